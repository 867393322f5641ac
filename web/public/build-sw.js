// The playground's "Preview build" server: a service worker that answers for the files of the last
// production build, which the page puts in Cache Storage (cache "nexxo-build-preview") under
// <scope><build id>/<path>. A service worker rather than blob URLs because a built app's module
// chunks import each other by relative URL and its CSS points at assets by URL; blob: URLs resolve
// neither, while real URLs under this scope resolve all of them, as a static host would serve dist/.
//
// The scope is <playground>/build-preview/. A build made with the default base "/" asks for
// "/assets/x.js" (outside the scope); such a request from a page this worker controls is answered
// from that page's build too, so the build is previewed exactly as `nexxo build` wrote it.
const CACHE = "nexxo-build-preview";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

async function serve(href) {
  const url = new URL(href);
  url.search = "";
  url.hash = "";
  const hit =
    (await caches.match(url.href, { cacheName: CACHE })) ??
    (url.pathname.endsWith("/") ? await caches.match(`${url.href}index.html`, { cacheName: CACHE }) : undefined);
  return hit ?? new Response(`not in this build: ${url.pathname}`, { status: 404, headers: { "content-type": "text/plain" } });
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== location.origin || event.request.method !== "GET") return;
  const scope = self.registration.scope;
  if (url.href.startsWith(scope)) {
    event.respondWith(serve(url.href));
    return;
  }
  if (!event.clientId) return;
  event.respondWith(
    (async () => {
      const client = await self.clients.get(event.clientId);
      // Only the built pages are this worker's business; anything else goes to the network.
      if (!client || !client.url.startsWith(scope)) return fetch(event.request);
      const id = client.url.slice(scope.length).split("/")[0];
      return serve(`${scope}${id}${url.pathname}`);
    })(),
  );
});
