// Progressive enhancement: a form marked data-partial="<id>" is posted in the
// background and the element with that id is replaced by the HTML fragment
// the server answers. Without JavaScript the same form posts and redirects.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  const targetId = form.dataset && form.dataset.partial;
  if (!targetId) return;
  event.preventDefault();
  const button = event.submitter;
  if (button) button.disabled = true;
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new FormData(form, button),
      headers: { "X-Partial": "1" },
      credentials: "same-origin",
    });
    const target = document.getElementById(targetId);
    if (response.redirected) {
      window.location.assign(response.url); // e.g. the session expired: the sign-in page
    } else if ((response.headers.get("Content-Type") || "").startsWith("text/html") && target) {
      target.outerHTML = await response.text();
    } else {
      form.submit();
    }
  } catch (error) {
    form.submit();
  }
});
