// Suggestions of loaded genes as a curator types in the add-gene form's symbol field.
//
// The field works without this script: the page's "Find a gene" form lists the
// same matches and links back with the gene chosen. With it, that form is
// hidden and the genes matching what is typed (the start of a symbol, an alias
// or previous symbol, an HGNC id) are listed under the field as buttons;
// choosing one puts the gene's current symbol in the field. A status line
// (role="status", so screen readers announce it politely) says how many match.
(() => {
  const input = document.querySelector("input[data-gene-search]");
  if (!input || !window.fetch || !window.AbortController) return;
  const WAIT_MS = 200; // after the last keystroke, so a quick typist sends one request, not five
  // The page's own search is hidden unless it is showing what it found (or, after a symbol no gene has, the
  // genes like it): the field's suggestions replace the form, not those answers.
  const finder = document.querySelector("[data-gene-finder]");
  if (finder && !finder.querySelector("[data-gene-finder-answer]")) finder.hidden = true;

  const status = document.createElement("p");
  status.className = "gene-suggestions__status";
  status.id = `${input.id}_suggestions_status`;
  status.setAttribute("role", "status");
  const list = document.createElement("ul");
  list.className = "gene-suggestions";
  list.id = `${input.id}_suggestions`;
  list.setAttribute("aria-label", "Matching genes");
  input.setAttribute("aria-controls", list.id);
  // Under the field's help, so the help stays next to the field it explains.
  (document.getElementById(`${input.id}_helptext`) || input).after(status, list);

  let timer = null;
  let pending = null;

  function show(message, genes) {
    list.replaceChildren(...genes.map(suggestion));
    status.textContent = message;
  }

  function suggestion(gene) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "gene-suggestions__choice";
    button.dataset.symbol = gene.hgnc_symbol;
    const symbol = document.createElement("strong");
    symbol.textContent = gene.hgnc_symbol;
    const details = document.createElement("span");
    const why = gene.matched === "alias" ? ` (alias or previous symbol ${gene.matched_name})` : "";
    const there = gene.on_panel ? " (already on this panel)" : "";
    details.textContent = ` ${gene.hgnc_id} ${gene.gene_name}${why}${there}`;
    button.append(symbol, details);
    button.disabled = Boolean(gene.on_panel); // shown, so the curator knows why it is not offered
    item.append(button);
    return item;
  }

  async function search(text) {
    if (pending) pending.abort();
    pending = new AbortController();
    const url = new URL(input.dataset.geneSearch, window.location.href);
    url.searchParams.set("q", text);
    try {
      const response = await fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } });
      const body = await response.json();
      if (!response.ok) return show(body.detail || "No suggestions for this text.", []);
      if (input.value.trim() !== text) return; // typed on since: the next answer will do
      const count = body.genes.length;
      if (count) {
        const more = count >= 20 ? " (the first 20: type more to narrow the list)" : "";
        show(`${count} ${count === 1 ? "gene matches" : "genes match"} “${text}”${more}. Choose one below or keep typing.`, body.genes);
      } else if (body.gene_data_loaded === false) {
        show("No gene data is loaded yet, so no gene can be added: ask a curator to import HGNC's gene data.", []);
      } else {
        show(`No loaded gene matches “${text}”. Try an alias, a previous symbol or an HGNC id (HGNC:1100).`, []);
      }
    } catch (error) {
      if (error.name !== "AbortError") show("Suggestions are unavailable: type the gene's current symbol.", []);
    }
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const text = input.value.trim();
    if (!text) {
      if (pending) pending.abort();
      return show("", []);
    }
    timer = setTimeout(() => search(text), WAIT_MS);
  });

  list.addEventListener("click", (event) => {
    const choice = event.target.closest(".gene-suggestions__choice");
    if (!choice) return;
    input.value = choice.dataset.symbol;
    show(`${choice.dataset.symbol} chosen.`, []);
    input.focus();
  });

  // The arrow keys move between the field and its suggestions; Escape closes them.
  function choices() {
    return [...list.querySelectorAll(".gene-suggestions__choice:not(:disabled)")];
  }
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && choices().length) {
      event.preventDefault();
      choices()[0].focus();
    } else if (event.key === "Escape" && choices().length) {
      event.preventDefault();
      show("", []);
    }
  });
  list.addEventListener("keydown", (event) => {
    const all = choices();
    const at = all.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && at < all.length - 1) {
      event.preventDefault();
      all[at + 1].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      (at > 0 ? all[at - 1] : input).focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      show("", []);
      input.focus();
    }
  });
})();
