// Shared by every page: API calls with the CSRF token, DOM building that never parses
// user text as HTML, labels, the header (who, logout); the alert band is inbox.js.

import { showUnread } from "./inbox.js"; // a cycle: used only at run time, after both loaded

export const STATUS_LABEL = {
  unclaimed: "待认领", claimed: "已认领", responded: "已回应",
  returned: "退回待审定", closed: "已办结",
};
export const ROLE_LABEL = {
  liaison: "联络人/承办人", leader: "领导", reviewer: "宣传部门审核",
  coordinator: "政府办公室督办", admin: "系统管理员",
};
export const SEVERITIES = ["特别重大", "重大", "一般"];
// codes the API speaks, in the words the UI shows (the UI speaks Chinese only)
export const SOURCE_LABEL = {
  web: "网络", "12345": "12345热线", media: "媒体", leader: "领导批示", demo: "演示数据", weibo: "微博",
  wechat: "微信", news: "新闻", forum: "论坛", video: "短视频", letter: "来信", phone: "电话", api: "接口",
};
export function sourceLabel(code) { return SOURCE_LABEL[code] || (code ? "其他渠道" : ""); }
// 2026-W47 (ISO week) → 2026年第47周
export function weekLabel(key) {
  const m = /^(\d{4})-W(\d{1,2})$/.exec(String(key || ""));
  return m ? `${m[1]}年第${Number(m[2])}周` : key;
}
export const CHANNELS = ["发布权威信息", "新闻发布会或吹风会", "接受媒体采访", "政府网站", "政务新媒体"];

let csrfToken = null;

export class ApiFailure extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function setCsrf(token) { csrfToken = token || null; }

export async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await response.json(); } catch { data = null; }
  if (response.status === 401 && !path.startsWith("/api/auth/")) toLogin(); // the session ended meanwhile
  if (!response.ok) throw new ApiFailure(response.status, data);
  return data;
}

let leaving = false; // signing out: reads refused from now on must not bounce to "/?next=…"

export function toLogin() {
  if (leaving) return;
  leaving = true;
  location.assign("/?next=" + encodeURIComponent(location.pathname + location.search));
}

// The Chinese half of the API's bilingual error, or a generic message.
export function errorText(err) {
  const e = err && err.body && err.body.error;
  if (e && e.zh) {
    const details = Array.isArray(e.details) ? e.details.map((d) => `${d.field}：${d.problem}`).join("；") : "";
    return details ? `${e.zh}（${details}）` : e.zh;
  }
  if (err && err.status === 403) return "无权执行此操作";
  if (err && err.status === 404) return "没有找到";
  return "网络或服务器错误，请稍后重试";
}

// Build an element; strings and numbers become text nodes, never markup.
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) throw new Error("event handlers are attached with addEventListener");
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A link only for http(s) URLs: a `javascript:` link from a form must not become clickable.
export function safeLink(url, text) {
  try {
    const parsed = new URL(String(url));
    if (parsed.protocol === "http:" || parsed.protocol === "https:") {
      return el("a", { href: parsed.href, target: "_blank", rel: "noopener noreferrer nofollow" }, text || parsed.href);
    }
  } catch { /* not a URL: shown as text below */ }
  return el("span", {}, String(url));
}

// Every form here is sent by its page's script (the API, JSON or multipart). A submit before
// that script has attached its handler (it awaits the signed-in user first) must not fall back
// to the browser's own GET, which would leave the page with the fields in the address.
document.addEventListener("submit", (event) => event.preventDefault(), true);

export function show(node, message) {
  node.textContent = message || "";
  node.hidden = !message;
}

// the service's time zone (routing/local_time.py BEIJING_NAME): every page shows times in it
export const ZONE = "Asia/Shanghai";

const TIME_FORMAT = new Intl.DateTimeFormat("zh-CN", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hour12: false,
});

export function fmtTime(iso) {
  if (!iso) return "—";
  const d = new Date(typeof iso === "number" ? iso * 1000 : iso); // numbers: epoch seconds (hub)
  return Number.isNaN(d.getTime()) ? String(iso) : TIME_FORMAT.format(d);
}

export function list(value) {
  if (Array.isArray(value)) return value;
  return value ? [value] : [];
}

// The signed-in viewer (and the CSRF token for this page), or off to the login page.
export async function whoami() {
  try {
    const me = await api("/api/auth/me");
    setCsrf(me.csrf_token);
    return me.user || me;
  } catch (err) {
    if (err.status === 401 || err.status === 404) {
      toLogin();
      return null;
    }
    throw err;
  }
}

export function userLabel(user) {
  const role = ROLE_LABEL[user.role] || user.role || "";
  const where = user.unit || user.region || "";
  return [user.name || user.display_name || user.username, role, where].filter(Boolean).join(" · ");
}

export function claimantOf(inc) {
  const c = inc.claimed_by_name || inc.claimant || inc.claimed_by;
  if (c && typeof c === "object") return c.name || c.username || "";
  return c || "";
}

export function isMine(inc, user) {
  const c = inc.claimed_by ?? inc.claimant;
  if (c === undefined || c === null || c === "") return false;
  if (typeof c === "object") return c.id === user.id || c.username === user.username;
  return c === user.username || c === user.id || String(c) === String(user.id);
}

export function unitsOf(inc) {
  return [...list(inc.first_responsible), ...list(inc.co_responsible), ...list(inc.lead)];
}

// THE navigation of every page (the templates carry an empty <nav>, filled here):
// one table, so no page forgets a page; a link shows only to the roles whose actions it serves
// (service/auth/rules.py GRANTS: 舆情报送 REPORT, 导入 IMPORT).
const NAV = [
  { href: "/dashboard", label: "工作台" },
  { href: "/review", label: "回应评估" },
  { href: "/report", label: "舆情报送", roles: ["liaison", "reviewer", "coordinator", "admin"] },
  { href: "/import", label: "导入", roles: ["reviewer", "coordinator", "admin"] },
  { href: "/reports", label: "统计报表" },
  { href: "/register", label: "联络登记与问责" },
  { href: "/wall", label: "大屏" },
];

function renderNav(user) {
  const nav = document.querySelector(".topbar nav");
  if (!nav || nav.dataset.fixed !== undefined) return;  // a page with its own (the print view's 返回)
  const here = location.pathname;
  const alerts = document.getElementById("nav-alerts");  // the 提醒 link with its count (inbox.js), kept last
  nav.replaceChildren(...NAV.filter((n) => !n.roles || n.roles.includes(user?.role)).map((n) =>
    el("a", { href: n.href, class: here === n.href || (n.href === "/dashboard" && here.startsWith("/incidents/")) ? "active" : "" }, n.label)));
  if (alerts) nav.append(alerts);
}

export function setupHeader(user) {
  renderNav(user);
  const who = document.getElementById("who");
  if (who) who.textContent = userLabel(user);
  const logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", async () => {
      leaving = true;
      try { await api("/api/auth/logout", { method: "POST" }); } catch { /* leave anyway */ }
      location.assign("/");
    });
    logout.disabled = false;  // enabled once it works: a click before the script ran did nothing
  }
  if (document.querySelector(".topbar nav")) showUnread();  // the header's 提醒 count
}

export function setLiveStatus(state) {
  const node = document.getElementById("live-status");
  if (!node) return;
  node.dataset.state = state;
  node.textContent = { live: "实时", reconnecting: "重连中", connecting: "连接中" }[state] || state;
  node.title = state === "live" ? "连接状态：实时推送" : "连接状态：连接断开，正在重连";
}

// The alert band of every page is the inbox (inbox.js): one row per incident, a fixed height.
export { Inbox as AlertBanner } from "./inbox.js";
