// What signed-in users' tools do with JavaScript; without it every one still works.
//
// A link marked data-confirm leads to a page asking "Are you sure?" whose
// form posts the action. Here that page's question ([data-confirmation]) is
// fetched and shown in a modal dialog over the current page instead; its
// form posts exactly as the page's would, and Cancel or Escape closes it.
// Should anything fail, the browser simply follows the link.
document.addEventListener("click", async (event) => {
  const link = event.target.closest && event.target.closest("a[data-confirm]");
  if (!link || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return; // a new tab or window: the page
  event.preventDefault();
  try {
    const response = await fetch(link.href, { credentials: "same-origin" });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const question = response.ok && page.querySelector("[data-confirmation]");
    if (!question) throw new Error("no question on " + response.url);
    showDialog(document.adoptNode(question), link);
  } catch (error) {
    window.location.assign(link.href);
  }
});

function showDialog(question, opener) {
  const dialog = document.createElement("dialog");
  dialog.className = "confirm-dialog";
  const title = question.querySelector("h1");
  if (title) {
    // A heading of the dialog, not a second h1 of the page.
    const heading = document.createElement("h2");
    heading.id = title.id;
    heading.textContent = title.textContent;
    title.replaceWith(heading);
    dialog.setAttribute("aria-labelledby", heading.id);
  }
  dialog.append(question);
  const cancel = question.querySelector("[data-cancel]");
  if (cancel) {
    cancel.addEventListener("click", (event) => {
      event.preventDefault();
      dialog.close();
    });
  }
  dialog.addEventListener("close", () => {
    dialog.remove();
    opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
}

// The header's curator menu (a <details>) closes on Escape or a click elsewhere, as a menu does.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.curator-menu[open]")) {
    if (!menu.contains(event.target)) menu.open = false;
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.curator-menu[open]")) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
