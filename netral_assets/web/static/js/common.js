// Shared by the pages: small DOM helpers, JSON fetch with Indonesian errors, the agency search
// (an ARIA 1.2 combobox over GET /api/v1/agencies, or any other source) and copying text.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

export function show(element, visible = true) {
  element.hidden = !visible;
}

export function say(element, text) {
  element.textContent = text || "";
  if (element.hasAttribute("hidden") || element.classList.contains("message")) element.hidden = !text;
}

export async function fetchJSON(url, options = {}) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", ...options });
  } catch {
    throw new Error("Tidak dapat terhubung ke server. Periksa koneksi internet Anda, lalu coba lagi.");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (!response.ok) {
    throw new Error((body && body.detail) || `Permintaan gagal (kode ${response.status}).`);
  }
  return body;
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

const numberFormat = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 2, minimumFractionDigits: 2 });
export const formatDecimal = (value) => numberFormat.format(value);

export function formatBytes(n) {
  if (n >= 1024 * 1024) return `${new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 }).format(n / 1048576)} MB`;
  return `${Math.max(1, Math.round(n / 1024))} KB`;
}

export async function copyText(text, textarea) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (plain http on a phone, older browsers): select and copy the old way.
    const area = textarea || Object.assign(document.createElement("textarea"), { value: text });
    if (!textarea) document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    if (!textarea) area.remove();
    return ok;
  }
}

async function searchApi(query, limit) {
  const body = await fetchJSON(`/api/v1/agencies?q=${encodeURIComponent(query)}&limit=${limit}`);
  return body.results;
}

// The agency combobox. `onChoose(agency)` gets the agency as returned by the API; `find(query, limit)`
// answers the search (default: the server's API; the static site searches its own list).
export function agencySearch(root, onChoose, find = searchApi) {
  const input = $("input[role=combobox]", root);
  const list = $("[role=listbox]", root);
  const status = $(".hint", root);
  let results = [];
  let active = -1;
  let query = "";
  let requestId = 0;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    $$("[role=option]", list).forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) {
      const option = list.children[index];
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function render() {
    list.replaceChildren();
    results.forEach((agency, i) => {
      const option = document.createElement("li");
      option.id = `agency-option-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.className = "option-name";
      name.textContent = agency.name;
      const meta = document.createElement("span");
      meta.className = "option-meta";
      meta.textContent = agency.level === "pusat" ? `Pusat · ${agency.short_name}` : agency.code;
      option.append(name, meta);
      option.addEventListener("pointerdown", (event) => event.preventDefault());
      option.addEventListener("click", () => choose(i));
      list.append(option);
    });
    const open = results.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    active = -1;
  }

  function choose(index) {
    const agency = results[index];
    if (!agency) return;
    input.value = agency.name;
    close();
    say(status, "");
    onChoose(agency);
  }

  const search = debounce(async () => {
    const q = input.value.trim();
    if (q === query) return;
    query = q;
    const id = ++requestId;
    if (q.length < 2) {
      results = [];
      render();
      say(status, q ? "Ketik paling sedikit dua huruf." : "");
      return;
    }
    try {
      const found = await find(q, 8);
      if (id !== requestId) return;
      results = found;
      render();
      say(status, results.length ? `${results.length} instansi cocok. Pilih dengan panah dan Enter.` :
        "Tidak ada instansi yang cocok. Periksa ejaannya atau coba kata lain.");
    } catch (error) {
      if (id === requestId) say(status, error.message);
    }
  }, 160);

  input.addEventListener("input", search);
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && results.length) {
      event.preventDefault();
      if (list.hidden) render();
      highlight(Math.min(active + 1, results.length - 1));
    } else if (event.key === "ArrowUp" && results.length) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter") {
      if (!list.hidden && results.length) {
        event.preventDefault();
        choose(active >= 0 ? active : 0);
      }
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 120));
  input.addEventListener("focus", () => {
    if (results.length) render();
  });
  return { input, focus: () => input.focus() };
}
