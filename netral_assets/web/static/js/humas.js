// The humas page: agency (registry or typed), optional logo, parts, designs and formats -> a kit job
// on the server, its progress, then the ZIP and thumbnails of what it holds.

import { $, $$, agencySearch, fetchJSON, formatBytes, say } from "./common.js";

const form = $("#kit-form");
const error = $("#kit-error");
const progress = $("#progress");
const bar = $("#progress-bar");
const progressText = $("#progress-text");
const done = $("#kit-done");
const build = $("#build");
let logoUrl = null;

// -- who -----------------------------------------------------------------------------------------

agencySearch($("[data-combo]"), (agency) => {
  $("#agency-slug").value = agency.slug;
  $("#agency-name").textContent = agency.name;
  $("#agency-chosen").hidden = false;
});
$("#agency-search").addEventListener("input", () => {
  $("#agency-slug").value = "";
  $("#agency-chosen").hidden = true;
});

function mode() {
  return $("input[name=mode]:checked").value;
}
$$("input[name=mode]").forEach((radio) => radio.addEventListener("change", () => {
  $("#mode-registry").hidden = mode() !== "registry";
  $("#mode-custom").hidden = mode() !== "custom";
}));

// -- logo ----------------------------------------------------------------------------------------

const logoInput = $("#logo");
logoInput.addEventListener("change", () => {
  const file = logoInput.files[0];
  if (logoUrl) URL.revokeObjectURL(logoUrl);
  logoUrl = file ? URL.createObjectURL(file) : null;
  $("#logo-img").src = logoUrl || "";
  $("#logo-img").hidden = !file;
  $("#logo-default").hidden = Boolean(file);
  $("#logo-clear").hidden = !file;
  $("#logo-hint").dataset.name = file ? file.name : "";
});
$("#logo-clear").addEventListener("click", () => {
  logoInput.value = "";
  logoInput.dispatchEvent(new Event("change"));
  logoInput.focus();
});

// -- what ----------------------------------------------------------------------------------------

function syncParts() {
  const chosen = new Set($$("input[name=parts]:checked").map((box) => box.value));
  $$("fieldset[data-part]").forEach((set) => (set.disabled = !chosen.has(set.dataset.part)));
}
$$("input[name=parts]").forEach((box) => box.addEventListener("change", syncParts));
syncParts();
// The choices are long on a phone: open them by default only where there is room.
if (window.matchMedia("(min-width: 960px)").matches) $("#customize").open = true;

// -- build ---------------------------------------------------------------------------------------

function formData() {
  const data = new FormData(form);
  data.delete("mode");
  if (mode() === "registry") data.delete("name");
  else data.delete("agency");
  if (!logoInput.files.length) data.delete("logo");
  return data;
}

function check() {
  if (mode() === "registry" && !$("#agency-slug").value) return "Pilih instansi dari hasil pencarian terlebih dahulu.";
  if (mode() === "custom" && !$("#custom-name").value.trim()) return "Tulis nama instansi terlebih dahulu.";
  const parts = $$("input[name=parts]:checked").map((box) => box.value);
  if (!parts.length) return "Pilih minimal satu bagian kit.";
  for (const part of parts) {
    const designs = $$(`input[name=designs][value^="${part}/"]`);
    if (designs.length && !designs.some((box) => box.checked)) return `Pilih minimal satu desain untuk bagian ${part}.`;
    const formats = $$(`input[name=${part}_formats]`);
    if (formats.length && !formats.some((box) => box.checked)) return `Pilih minimal satu format ${part}.`;
  }
  return "";
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function showProgress(job) {
  const percent = Math.round((100 * job.done) / Math.max(1, job.total));
  bar.value = percent;
  const step = job.state === "queued" ? "Menunggu giliran" : job.step_title || "Menyiapkan";
  const file = job.file ? `: ${job.file}` : "";
  progressText.textContent = `${step}${file} (${Math.min(job.done + 1, job.total)} dari ${job.total})`;
}

function showFiles(job) {
  const list = $("#kit-files");
  list.replaceChildren();
  for (const file of job.files) {
    const item = document.createElement("li");
    item.className = "file";
    if (file.thumbnail) {
      const img = document.createElement("img");
      img.loading = "lazy";
      img.alt = "";
      img.src = `/api/v1/kit/jobs/${job.id}/thumbs/${encodeURIComponent(file.path)}`;
      item.append(img);
    } else {
      const badge = document.createElement("span");
      badge.className = "file-badge";
      badge.textContent = file.path.split(".").pop().toUpperCase();
      item.append(badge);
    }
    const name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.path;
    const meta = document.createElement("span");
    meta.className = "file-meta";
    meta.textContent = formatBytes(file.bytes);
    item.append(name, meta);
    if (file.findings.length) {
      const warn = document.createElement("span");
      warn.className = "file-warning";
      warn.textContent = `Periksa: ${file.findings.join("; ")}`;
      item.append(warn);
    }
    list.append(item);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  say(error, "");
  done.hidden = true;
  const problem = check();
  if (problem) {
    say(error, problem);
    return;
  }
  build.disabled = true;
  progress.hidden = false;
  bar.value = 0;
  progressText.textContent = "Mengirim permintaan…";
  try {
    let job = await fetchJSON("/api/v1/kit/jobs", { method: "POST", body: formData() });
    while (job.state === "queued" || job.state === "running") {
      showProgress(job);
      await sleep(400);
      job = await fetchJSON(job.status_url);
    }
    if (job.state !== "done") throw new Error(job.error || "Kit gagal dibuat. Coba lagi.");
    bar.value = 100;
    progressText.textContent = "Kit selesai dibuat.";
    const link = $("#kit-download");
    link.href = job.zip_url;
    link.download = job.zip_name;
    link.textContent = `Unduh ZIP (${formatBytes(job.zip_bytes)})`;
    const flagged = job.files.filter((f) => f.findings.length).length;
    $("#kit-summary").textContent = `${job.files.length} berkas untuk ${job.agency.name}, ditambah caption.txt dan manifest.json.` +
      (flagged ? ` ${flagged} berkas perlu diperiksa (lihat tanda di bawah).` : "") + " ZIP disimpan di server selama 15 menit.";
    showFiles(job);
    done.hidden = false;
    link.focus();
  } catch (failure) {
    progress.hidden = true;
    say(error, failure.message);
  } finally {
    build.disabled = false;
  }
});
