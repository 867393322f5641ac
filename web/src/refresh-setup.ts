// Must run before react-dom loads: React DOM looks for the refresh hook when it initializes.
import RefreshRuntime from "react-refresh/runtime";

RefreshRuntime.injectIntoGlobalHook(window);
export { RefreshRuntime };
