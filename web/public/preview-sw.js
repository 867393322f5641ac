// The live preview's file server: a service worker controlling the preview frame (scope
// <playground>/preview.html) that answers for files the engine's dev session names by URL, as
// `nexxo dev` serves them from disk: a package's images and fonts (`/node_modules/pkg/logo.png`,
// from `import logo from "pkg/logo.png"`, from a package's own `import` of one, or from a `url()`
// in its style sheet) and the project's own SVGs (`/src/logo.svg`). The page puts those files in
// Cache Storage (cache "nexxo-preview-files") under their URL on this origin; anything else the
// frame asks for goes to the network as usual. A service worker because an <img src>, a CSS
// url() or a font load is a real request by URL, which nothing else in the page can answer.
const CACHE = "nexxo-preview-files";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== location.origin || event.request.method !== "GET") return;
  event.respondWith(
    (async () => {
      url.search = ""; // `?import` and cache busters name the same file
      url.hash = "";
      return (await caches.match(url.href, { cacheName: CACHE })) ?? fetch(event.request);
    })(),
  );
});
