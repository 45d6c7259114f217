// A small reader for /openapi.json (Swagger UI would need inline script and a CDN; the CSP allows neither).

import { $ } from "./common.js";

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};

function schemaFields(body) {
  const content = body?.content || {};
  const [type, media] = Object.entries(content)[0] || [];
  const props = media?.schema?.properties;
  if (!props) return null;
  const required = new Set(media.schema.required || []);
  const rows = Object.entries(props).map(([name, p]) =>
    el("tr", {}, el("td", {}, el("code", { textContent: name })),
      el("td", { textContent: p.format === "binary" ? "berkas" : p.type || "" }),
      el("td", { textContent: `${required.has(name) ? "wajib. " : ""}${p.description || ""}${p.enum ? ` (${p.enum.join(", ")})` : ""}` })));
  return el("div", {}, el("p", { className: "hint", textContent: `Isi permintaan: ${type}` }),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", { textContent: "isian" }), el("th", { textContent: "jenis" }),
      el("th", { textContent: "keterangan" }))), el("tbody", {}, ...rows)));
}

function parameters(list) {
  if (!list?.length) return null;
  const rows = list.map((p) => el("tr", {}, el("td", {}, el("code", { textContent: p.name })),
    el("td", { textContent: p.in === "path" ? "jalur" : "kueri" }),
    el("td", { textContent: p.description || p.schema?.description || "" })));
  return el("table", {}, el("thead", {}, el("tr", {}, el("th", { textContent: "parameter" }), el("th", { textContent: "letak" }),
    el("th", { textContent: "keterangan" }))), el("tbody", {}, ...rows));
}

async function main() {
  const root = $("#docs");
  let spec;
  try {
    spec = await (await fetch("/openapi.json")).json();
  } catch {
    root.replaceChildren(el("p", { className: "message", textContent: "Spesifikasi tidak dapat dimuat." }));
    return;
  }
  const items = [];
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const codes = Object.keys(op.responses || {}).join(", ");
      items.push(el("section", { className: "card endpoint" },
        el("h2", {}, el("span", { className: `method ${method}`, textContent: method.toUpperCase() }), " ", el("code", { textContent: path })),
        el("p", { className: "endpoint-summary", textContent: op.summary || "" }),
        op.description ? el("p", { className: "hint", textContent: op.description }) : null,
        parameters(op.parameters),
        schemaFields(op.requestBody),
        el("p", { className: "hint", textContent: `Status: ${codes}` })));
    }
  }
  root.replaceChildren(...items);
}

main();
