// Sends an import file straight to storage, then posts the import form naming the upload.
// The three steps of docs/files.md: POST /uploads/ (a presigned form), POST the file to
// that form's URL (S3), POST /uploads/<id>/confirm/. Nothing large passes through the site.
"use strict";

const TYPES = {tsv: "text/tab-separated-values", txt: "text/plain", csv: "text/csv", json: "application/json"};

function contentType(file) {
  const extension = file.name.split(".").pop().toLowerCase();
  return TYPES[extension] || file.type || "text/plain";
}

async function errorOf(response) {
  try {
    return (await response.json()).error || response.statusText;
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

async function sendFile(form, file, say) {
  const csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
  const headers = {"X-CSRFToken": csrf};
  say(`Uploading ${file.name}…`);
  const started = await fetch(form.dataset.uploadUrl, {
    method: "POST",
    headers: {...headers, "Content-Type": "application/json"},
    body: JSON.stringify({filename: file.name, content_type: contentType(file), size: file.size}),
  });
  if (!started.ok) throw new Error(await errorOf(started));
  const upload = await started.json();
  const body = new FormData();
  Object.entries(upload.fields).forEach(([name, value]) => body.append(name, value));
  body.append("file", file);
  const sent = await fetch(upload.url, {method: "POST", body});
  if (!sent.ok) throw new Error(`Storage refused the file (${sent.status}).`);
  for (let attempt = 0; attempt < 5; attempt++) {
    const confirmed = await fetch(`${form.dataset.uploadUrl}${upload.id}/confirm/`, {method: "POST", headers});
    if (confirmed.ok) return upload.id;
    if (confirmed.status !== 409) throw new Error(await errorOf(confirmed));
    await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
  }
  throw new Error("The file did not arrive in storage; try again.");
}

document.querySelectorAll("form.import-form").forEach((form) => {
  const status = form.querySelector(".upload-status");
  const say = (text) => { status.textContent = text; };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = form.querySelector("input[type=file]").files[0];
    if (!file) return say("Choose a file first.");
    if (file.size > Number(form.dataset.maxBytes)) return say(`${file.name} is over the size limit.`);
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      form.elements.upload.value = await sendFile(form, file, say);
      say("Uploaded; starting the import…");
      HTMLFormElement.prototype.submit.call(form);
    } catch (error) {
      say(`Not uploaded: ${error.message}`);
      button.disabled = false;
    }
  });
});
