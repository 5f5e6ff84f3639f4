// Upstream PanelApp's home page opened a tab from the address's fragment (/#FAQs): such links,
// in bookmarks and documents, open the same tab here (/?tab=FAQs). Without JavaScript they
// show the first tab, with every tab a link away.
(function () {
  "use strict";
  if (location.search || location.hash.length < 2) return;
  var slug = location.hash.slice(1);
  var links = document.querySelectorAll(".home-tabs__nav a[href^='?tab=']");
  for (var i = 0; i < links.length; i++) {
    var target = new URL(links[i].href);
    if (target.searchParams.get("tab") === slug && links[i].getAttribute("aria-current") !== "page") {
      location.replace(target.href);
      return;
    }
  }
})();
