// The unit picker (issue 17 part 4): an input that offers the org's units as one types a full
// name, a short name (市场监督管理局), an alias (市场监管局) or a function word (食品), from
// GET /api/units (the viewer's region first). Choosing puts the full name in the input — the
// services take only full names — and `resolveUnits` turns names typed without choosing into
// full ones when the org knows them exactly (an alias or short name), so a short name works.

import { api, el } from "./common.js";

const SEP = /[、,，;；\s]+/;

export function splitUnits(text) {
  return String(text || "").split(SEP).map((s) => s.trim()).filter(Boolean);
}

async function lookup(q, limit = 8) {
  const data = await api(`/api/units?${new URLSearchParams({ q, limit: String(limit) })}`);
  return Array.isArray(data.units) ? data.units : [];
}

// A typed name → the full name: itself when it is one, else the unit whose short name or
// alias it is exactly (the viewer's own region first); else as typed (the server says why).
async function resolveOne(name) {
  try {
    const found = await lookup(name, 5);
    const exact = found.find((u) => u.name === name || u.short === name || list(u.aliases).includes(name));
    return exact ? exact.name : name;
  } catch {
    return name;
  }
}

function list(value) { return Array.isArray(value) ? value : []; }

export async function resolveUnits(text) {
  return Promise.all(splitUnits(text).map(resolveOne));
}

let counter = 0;

export function attachUnitPicker(input, { multiple = false } = {}) {
  if (input.dataset.unitPicker) return;
  input.dataset.unitPicker = multiple ? "multiple" : "single";
  const id = `${input.id || `unit-${++counter}`}-options`;
  const box = el("ul", { class: "unit-options", role: "listbox", id, hidden: true });
  input.setAttribute("autocomplete", "off");
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", id);
  input.setAttribute("aria-expanded", "false");
  input.after(box);
  (input.closest(".field, label") || input.parentElement).classList.add("has-picker");
  let timer = null;
  let seq = 0;
  let active = -1;
  let shown = [];

  const current = () => {
    if (!multiple) return input.value.trim();
    const parts = input.value.split(SEP);
    return (parts[parts.length - 1] || "").trim();
  };
  const close = () => { box.hidden = true; box.replaceChildren(); shown = []; active = -1; input.setAttribute("aria-expanded", "false"); };
  const choose = (unit) => {
    if (multiple) {
      const parts = splitUnits(input.value);
      if (current()) parts.pop();
      if (!parts.includes(unit.name)) parts.push(unit.name);
      input.value = parts.join("、");
    } else {
      input.value = unit.name;
    }
    close();
    input.dispatchEvent(new Event("change", { bubbles: true }));
  };
  const mark = () => {
    [...box.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === active)));
  };
  const render = (units) => {
    shown = units;
    active = -1;
    box.replaceChildren(...units.map((u) => {
      const also = [u.short !== u.name ? u.short : null, ...list(u.aliases)].filter(Boolean);
      const li = el("li", { role: "option", "data-unit": u.name, "aria-selected": "false" },
        el("span", { class: "unit-name" }, u.name),
        also.length ? el("span", { class: "unit-also" }, also.slice(0, 3).join(" / ")) : null);
      // mousedown, not click: the input keeps its focus (no blur closing the list first)
      li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(u); });
      return li;
    }));
    box.hidden = units.length === 0;
    input.setAttribute("aria-expanded", String(units.length > 0));
  };
  const search = async () => {
    const q = current();
    const mine = ++seq;
    if (!q) { close(); return; }
    try {
      const units = await lookup(q);
      if (mine === seq && document.activeElement === input) render(units);
    } catch {
      if (mine === seq) close();
    }
  };
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(search, 150); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && active < 0) { clearTimeout(timer); seq++; close(); return; } // sent as typed
    if (box.hidden || !shown.length) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + shown.length) % shown.length;
      mark();
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      choose(shown[active]);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => { seq++; close(); });
  // typed before this script ran (a slow page): offer the units at once
  if (document.activeElement === input && current()) search();
}
