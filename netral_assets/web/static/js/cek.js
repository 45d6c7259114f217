// /cek: a preview of the chosen file, drag and drop, pasting a screenshot, and the verdict fetched as a
// fragment (POST /cek with X-Cek-Fragment: 1) instead of a page load. Without this script the form posts
// and the server answers with the whole page.

const form = document.getElementById("cek-form");
if (form) {
  const input = document.getElementById("cek-file");
  const code = document.getElementById("cek-code");
  const drop = document.getElementById("cek-drop");
  const chosen = document.getElementById("cek-chosen");
  const chosenImg = document.getElementById("cek-chosen-img");
  const chosenName = document.getElementById("cek-chosen-name");
  const clear = document.getElementById("cek-clear");
  const message = document.getElementById("cek-message");
  const submit = document.getElementById("cek-submit");
  const slot = document.getElementById("cek-result");
  const limit = Number(form.dataset.limit || 0);
  let previewUrl = null;

  for (const hint of form.querySelectorAll(".js-only")) hint.hidden = false;

  const say = (text) => {
    message.textContent = text || "";
    message.hidden = !text;
  };

  const show = () => {
    const file = input.files && input.files[0];
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
    say("");
    drop.classList.toggle("has-file", Boolean(file));
    if (!file) {
      chosen.hidden = true;
      return;
    }
    if (limit && file.size > limit) {
      say(`Berkas terlalu besar: batasnya ${form.dataset.limitText}. Pakai berkas yang lebih kecil atau tangkapan layar.`);
    }
    chosenName.textContent = file.name || "tangkapan layar";
    if (file.type.startsWith("image/")) {
      previewUrl = URL.createObjectURL(file);
      chosenImg.src = previewUrl;
      chosenImg.hidden = false;
    } else {
      chosenImg.hidden = true;
    }
    chosen.hidden = false;
  };

  const use = (file) => {
    const list = new DataTransfer();
    list.items.add(file);
    input.files = list.files;
    show();
  };

  input.addEventListener("change", show);
  clear.addEventListener("click", () => {
    input.value = "";
    show();
    input.focus();
  });

  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (file) use(file);
  });
  document.addEventListener("paste", (event) => {
    const items = (event.clipboardData && event.clipboardData.files) || [];
    const file = Array.from(items).find((f) => f.type.startsWith("image/"));
    if (file) {
      event.preventDefault();
      use(new File([file], file.name || "tangkapan-layar.png", { type: file.type }));
    }
  });

  const errorFragment = (text) => {
    const box = document.createElement("div");
    box.className = "verdict tone-error";
    box.setAttribute("role", "alert");
    const kicker = document.createElement("p");
    kicker.className = "verdict-kicker";
    kicker.textContent = "Tidak dapat diperiksa";
    const line = document.createElement("h2");
    line.className = "verdict-label verdict-small";
    line.id = "verdict-title";
    line.textContent = text;
    box.append(kicker, line);
    return box;
  };

  form.addEventListener("submit", async (event) => {
    const file = input.files && input.files[0];
    if (!file && !code.value.trim()) {
      event.preventDefault();
      say("Pilih berkas atau tangkapan layar, atau ketik kode keaslian yang tercetak di materi.");
      input.focus();
      return;
    }
    if (file && limit && file.size > limit) {
      event.preventDefault();
      say(`Berkas terlalu besar: batasnya ${form.dataset.limitText}. Pakai berkas yang lebih kecil atau tangkapan layar.`);
      return;
    }
    event.preventDefault();
    say("");
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    const label = submit.textContent;
    submit.textContent = "Memeriksa…";
    try {
      const response = await fetch("/cek", { method: "POST", body: new FormData(form), headers: { "X-Cek-Fragment": "1" } });
      const type = response.headers.get("content-type") || "";
      if (type.includes("text/html")) {
        slot.innerHTML = await response.text();
        if (response.ok) {
          // The next check starts from an empty form.
          form.reset();
          show();
        }
      } else {
        // The server's size limit answers in JSON before the page sees the request.
        let detail = "Pemeriksaan gagal. Coba lagi.";
        try {
          detail = (await response.json()).detail || detail;
        } catch (_) { /* keep the general line */ }
        slot.replaceChildren(errorFragment(detail));
      }
      const hero = document.querySelector(".cek-hero");
      if (hero) {
        hero.classList.add("compact");
        hero.querySelector("h1").textContent = "Hasil pemeriksaan";
        const lead = hero.querySelector(".lead");
        if (lead) lead.remove();
      }
      const title = form.querySelector(".cek-form-title");
      if (title) title.textContent = "Periksa materi lain";
      slot.focus({ preventScroll: true });
      slot.scrollIntoView({ block: "start", behavior: "auto" });
    } catch (_) {
      say("Tidak dapat menghubungi server. Periksa sambungan internet Anda, lalu coba lagi.");
    } finally {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
      submit.textContent = label;
    }
  });
}
