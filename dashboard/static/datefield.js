// Date, date-time and month fields drawn in Chinese whatever the browser's language: Chromium draws
// <input type=date|datetime-local|month> in the browser's own locale (mm/dd/yyyy in an en-US
// browser), whatever the page's lang. These are text fields showing 年-月-日 (时:分), taking
// 2026-12-01, 2026/12/1, 2026年12月1日 or 20261201 (a phone's number pad has no dash), written back
// as 2026-12-01 on leaving the field; a wrong one is refused with a Chinese message (also by the
// browser's own check on submit, through setCustomValidity). The API checks again.

const KINDS = {
  date: { parts: 3, placeholder: "年-月-日", example: "2026-12-01", what: "日期" },
  datetime: { parts: 5, placeholder: "年-月-日 时:分", example: "2026-12-01 09:30", what: "日期和时间" },
  month: { parts: 2, placeholder: "年-月", example: "2026-12", what: "月份" },
};
const YEAR_MIN = 2000;
const YEAR_MAX = 2100; // service.core.inputs DATE_MIN..DATE_MAX
const SEPARATORS = /^[\s\-/.年月日时分:：T]*$/;
const DIGITS_ONLY = { 2: [4, 2], 3: [4, 2, 2], 5: [4, 2, 2, 2, 2] }; // 202612 / 20261201 / 202612010930

const pad = (n) => String(n).padStart(2, "0");

function groups(text, parts) {
  const found = text.match(/\d+/g) || [];
  if (!SEPARATORS.test(text.replace(/\d+/g, ""))) return null;
  if (found.length === 1) {
    const widths = DIGITS_ONLY[parts];
    if (found[0].length !== widths.reduce((a, b) => a + b, 0)) return null;
    let at = 0;
    return widths.map((w) => { const g = found[0].slice(at, at + w); at += w; return g; });
  }
  return found.length === parts ? found : null;
}

// {text, iso} of a well-formed entry, {error} of a wrong one, {} of an empty one.
export function parseDate(kind, raw) {
  const k = KINDS[kind];
  const text = String(raw || "").trim();
  if (!text) return {};
  const g = groups(text, k.parts);
  const wrong = { error: `请按“${k.placeholder}”填写${k.what}，如 ${k.example}` };
  if (!g || g[0].length !== 4 || g.slice(1).some((x) => x.length > 2)) return wrong;
  const [y, m, d = 1, hh = 0, mm = 0] = g.map(Number);
  if (y < YEAR_MIN || y > YEAR_MAX) return { error: `年份须在 ${YEAR_MIN} 至 ${YEAR_MAX} 之间` };
  if (m < 1 || m > 12) return { error: `没有 ${m} 月` };
  const day = new Date(Date.UTC(y, m - 1, d));
  if (d < 1 || day.getUTCMonth() !== m - 1) return { error: `没有这一天：${y}年${m}月${d}日` };
  if (hh > 23 || mm > 59) return { error: "时间须在 00:00 至 23:59 之间" };
  const date = kind === "month" ? `${y}-${pad(m)}` : `${y}-${pad(m)}-${pad(d)}`;
  if (kind !== "datetime") return { text: date, iso: date };
  return { text: `${date} ${pad(hh)}:${pad(mm)}`, iso: `${date}T${pad(hh)}:${pad(mm)}` };
}

function problem(input) {
  const parsed = parseDate(input.dataset.dateField, input.value);
  if (parsed.error) return parsed.error;
  if (!parsed.text && input.required) return `请填写${KINDS[input.dataset.dateField].what}`;
  return "";
}

function refresh(input) {
  input.setCustomValidity(problem(input));
}

// Turn `input` into a Chinese `kind` field (date / datetime / month); returns it.
export function dateField(input, kind = "date") {
  const k = KINDS[kind];
  input.type = "text";
  input.dataset.dateField = kind;
  Object.assign(input, { placeholder: k.placeholder, autocomplete: "off", maxLength: 20 });
  input.setAttribute("inputmode", "numeric");
  input.setAttribute("title", `格式：${k.placeholder}，如 ${k.example}`);
  input.setAttribute("size", String(k.example.length + 1));
  input.classList.add("date-field");
  input.addEventListener("input", () => refresh(input));
  input.addEventListener("change", () => {
    const parsed = parseDate(kind, input.value);
    if (parsed.text) input.value = parsed.text; // 2026/12/1 → 2026-12-01
    refresh(input);
  });
  if (input.form) input.form.addEventListener("reset", () => setTimeout(() => refresh(input)));
  refresh(input);
  return input;
}

// Every <input data-date-field="…"> under `root` (the templates mark theirs).
export function dateFields(root = document) {
  return [...root.querySelectorAll("input[data-date-field]")].map((i) => dateField(i, i.dataset.dateField));
}

// Set a field's value from an ISO text (2026-12-01, 2026-12-01T09:30, 2026-12) and re-check it.
export function setDate(input, iso) {
  const parsed = parseDate(input.dataset.dateField, String(iso || "").replace("T", " "));
  input.value = parsed.text || String(iso || "");
  refresh(input);
}

// The field's ISO value (date 2026-12-01, datetime 2026-12-01T09:30, month 2026-12), "" when
// empty, null when wrong (its validationMessage says why).
export function dateValue(input) {
  const parsed = parseDate(input.dataset.dateField, input.value);
  if (parsed.error) return null;
  return parsed.iso || "";
}
