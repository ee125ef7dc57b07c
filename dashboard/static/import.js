// 批量导入: upload → preview (columns, suggested mapping, every row's errors, new/known
// counts) → commit with the mapping, all rows or none. The file is sent again with the
// mapping: nothing is kept on the server between the two steps.

import { api, el, errorText, setupHeader, show, whoami } from "./common.js";
import { filePicker, upload } from "./upload.js";

const state = { preview: null };

function mappingText() {
  const parts = [];
  for (const select of document.querySelectorAll("#i-mapping select")) {
    if (select.value) parts.push(`${select.name}=${select.value}`);
  }
  return parts.join(",");
}

function formData(withMapping) {
  const form = document.getElementById("import-form");
  const body = new FormData();
  body.append("file", form.file.files[0]);
  body.append("source", form.source.value);
  const mapping = withMapping ? mappingText() : "";
  if (mapping) body.append("mapping", mapping);
  return body;
}

function mappingFields(p) {
  return Object.entries(p.fields).map(([field, label]) => {
    const id = `i-map-${field}`;
    const required = field === "external_id" || field === "text";
    const select = el("select", { id, name: field },
      el("option", { value: "" }, required ? "（请选择）" : "（不导入）"),
      ...p.headers.filter(Boolean).map((h) => el("option", { value: h }, h)));
    select.value = p.mapping[field] || "";
    select.addEventListener("change", () => preview(true));
    return el("label", { class: "field", for: id }, el("span", {}, `${label}${required ? "（必填）" : ""}`), select);
  });
}

function sampleTable(p) {
  const head = el("tr", {}, el("th", {}, "行"), ...p.headers.map((h) => el("th", {}, h)));
  const rows = p.sample.map((cells, n) => el("tr", {}, el("td", {}, String(n + 2)), ...cells.map((c) => el("td", {}, c))));
  return [el("thead", {}, head), el("tbody", {}, ...rows)];
}

function render(p) {
  state.preview = p;
  const mapping = document.getElementById("i-mapping");
  if (!mapping.childElementCount || mapping.dataset.headers !== p.headers.join("\u0001")) {
    mapping.replaceChildren(...mappingFields(p));
    mapping.dataset.headers = p.headers.join("\u0001");
  }
  show(document.getElementById("i-mapping-problem"), p.mapping_problem ? p.mapping_problem.zh : "");
  const counts = p.mapping_problem ? [el("span", {}, `共 ${p.rows} 行`)] : [
    el("span", {}, `共 ${p.rows} 行`), el("span", { "data-role": "new" }, `新信息 ${p.new} 条`),
    el("span", { "data-role": "duplicates" }, `已存在 ${p.duplicates} 条`),
    el("span", { "data-role": "errors", class: p.error_count ? "alert-label" : "" }, `有误 ${p.error_count} 处`)];
  document.getElementById("i-counts").replaceChildren(...counts);
  document.getElementById("i-errors").replaceChildren(...(p.errors || []).map((e) =>
    el("li", { "data-row": e.row }, e.zh)));
  document.getElementById("i-sample").replaceChildren(...sampleTable(p));
  document.getElementById("i-commit").disabled = !p.ready;
  document.getElementById("i-review").hidden = false;
}

async function preview(withMapping) {
  const error = document.getElementById("i-error");
  show(error, "");
  const form = document.getElementById("import-form");
  if (!form.file.files.length) {
    show(error, "请选择文件");
    return;
  }
  try {
    render(await upload("/api/items/import/preview", formData(withMapping)));
  } catch (err) {
    document.getElementById("i-review").hidden = true;
    show(error, `预览失败：${errorText(err)}`);
  }
}

async function commit() {
  const error = document.getElementById("i-error");
  const button = document.getElementById("i-commit");
  show(error, "");
  button.disabled = true;
  try {
    const r = await upload("/api/items/import", formData(true));
    document.getElementById("i-result-text").textContent =
      `已导入 ${r.created} 条新信息，已存在 ${r.duplicates} 条未重复导入（共 ${r.rows} 行）。`;
    document.getElementById("i-result").hidden = false;
    await preview(true);
  } catch (err) {
    const rows = err.body && err.body.error && err.body.error.rows;
    if (rows) document.getElementById("i-errors").replaceChildren(...rows.map((e) => el("li", { "data-row": e.row }, e.zh)));
    show(error, `导入失败：${err.body && err.body.error ? err.body.error.zh : errorText(err)}`);
    button.disabled = false;
  }
}

async function main() {
  filePicker(document.getElementById("i-file"));
  // before any await: a 预览 pressed while the page is still loading must not submit the form
  // natively (a GET that navigates away with the file's name in the address)
  const form = document.getElementById("import-form");
  form.addEventListener("submit", (event) => { event.preventDefault(); document.getElementById("i-mapping").replaceChildren(); preview(false); });
  document.getElementById("i-commit").addEventListener("click", commit);
  const user = await whoami();
  if (!user) return;
  setupHeader(user);
  try {
    const data = await api("/api/items/report/sources");
    const select = document.getElementById("i-source");
    select.replaceChildren(...Object.entries(data.sources).map(([key, label]) => el("option", { value: key }, label)));
    select.value = "12345";
  } catch (err) {
    show(document.getElementById("i-error"), `无法导入：${errorText(err)}`);
    document.getElementById("i-preview").disabled = true;
  }
}

main();
