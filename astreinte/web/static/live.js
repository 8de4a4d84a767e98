// Maintenant: reload the live part every 15 s (the page reads without this script).
"use strict";
(function () {
  const live = document.getElementById("live");
  if (!live) return;
  async function refresh() {
    try {
      const response = await fetch(live.dataset.src, {credentials: "same-origin", cache: "no-store"});
      if (response.ok) {
        live.innerHTML = await response.text();
        live.dataset.refreshed = String(Date.now());
      } else if (response.status === 401) {
        window.location.assign("/login?next=/");
      }
    } catch (error) {
      live.dataset.failed = String(error);
    }
  }
  window.setInterval(refresh, 15000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });
})();
