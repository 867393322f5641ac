import { render } from "./render.js";
export let state = { count: 0 };
render(state);
if (import.meta.hot) {
  import.meta.hot.accept(["./render.js"], ([mod]) => mod?.render(state));
  import.meta.hot.accept((next) => { state = next.state; });
  import.meta.hot.dispose((data) => { data.count = state.count; });
}
const lazy = () => import("./lazy.js");
const tpl = `a ${1 + 2} b`;
export { lazy, tpl as template };
export * from "./re-export.js";
