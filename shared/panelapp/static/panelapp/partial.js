// Progressive enhancement: a form marked data-partial="<id>" is posted in the
// background, and the element with that id is swapped for the same element of
// the page the server answers with (its redirect, followed). Without
// JavaScript the same form posts and the browser follows the redirect.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  const targetId = form.dataset && form.dataset.partial;
  const target = targetId && document.getElementById(targetId);
  if (!target) return;
  event.preventDefault();
  const body = new FormData(form, event.submitter);
  try {
    const response = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById(targetId);
    if (!fresh) {
      window.location.assign(response.url); // not the page we expected, e.g. the sign-in page
      return;
    }
    target.replaceWith(fresh);
    document.title = page.title;
    const status = fresh.querySelector("[role=status], [role=alert]");
    if (status) {
      status.setAttribute("tabindex", "-1");
      status.focus();
    }
  } catch (error) {
    form.submit();
  }
});
