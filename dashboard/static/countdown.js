// Countdowns to an incident's deadlines: pure functions of (clock, now), re-run every second.
// Colour by the share of the clock's span left: green > 50 %, amber, red < 20 %, dark red
// once overdue ("已超时 3小时12分").

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// "2天3小时", "3小时12分", "12分05秒": the two largest units, floored.
export function formatSpan(ms) {
  const t = Math.max(0, Math.floor(ms / 1000) * 1000);
  if (t >= DAY) return `${Math.floor(t / DAY)}天${Math.floor((t % DAY) / HOUR)}小时`;
  if (t >= HOUR) return `${Math.floor(t / HOUR)}小时${Math.floor((t % HOUR) / MINUTE)}分`;
  const seconds = Math.floor((t % MINUTE) / 1000);
  return `${Math.floor(t / MINUTE)}分${String(seconds).padStart(2, "0")}秒`;
}

// level: met | ok | warn | danger | overdue | none
export function deadlineState(clock, now) {
  if (!clock || !clock.due_at) return { level: "none", text: "—" };
  const due = Date.parse(clock.due_at);
  if (clock.met_at) {
    const met = Date.parse(clock.met_at);
    return met <= due
      ? { level: "met", text: "已按时完成" }
      : { level: "met-late", text: `超时完成（超 ${formatSpan(met - due)}）` };
  }
  const left = due - now;
  if (left <= 0) return { level: "overdue", text: `已超时 ${formatSpan(-left)}` };
  const start = clock.started_at ? Date.parse(clock.started_at) : NaN;
  const span = due - start;
  const share = Number.isFinite(span) && span > 0 ? left / span : 1;
  const level = share > 0.5 ? "ok" : share >= 0.2 ? "warn" : "danger";
  return { level, text: `剩余 ${formatSpan(left)}` };
}

// The clocks of an incident in one shape, whatever the API gave: a `clocks` list, or
// `response_due` / `feedback_due` columns counted from receipt.
export function clocksOf(inc) {
  if (Array.isArray(inc.clocks) && inc.clocks.length) return inc.clocks;
  const start = inc.received_at; // every clock counts from receipt of the first item
  if (inc.clocks && typeof inc.clocks === "object" && Object.keys(inc.clocks).length) {
    // the dashboard rows' form: {kind: {label, due_at}} of the open clocks
    return Object.entries(inc.clocks).map(([kind, c]) => ({ kind, started_at: start, met_at: null, ...c }));
  }
  const out = [];
  if (inc.response_due) {
    out.push({ kind: "response", label: "回应", started_at: start, due_at: inc.response_due, met_at: inc.response_met_at || inc.responded_at || null });
  }
  if (inc.feedback_due) {
    out.push({ kind: "feedback", label: "核实处置反馈", started_at: start, due_at: inc.feedback_due, met_at: inc.feedback_met_at || null });
  }
  return out;
}

export function clockOf(inc, kind) {
  return clocksOf(inc).find((c) => c.kind === kind) || null;
}

// The most urgent open clock (earliest due), for sorting and the wallboard.
export function nextDue(inc) {
  const open = clocksOf(inc).filter((c) => !c.met_at && c.due_at);
  open.sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  return open[0] || null;
}

// Paint every countdown under root (countdownNode's: the clock as data attributes). Only those:
// a row may carry its clock's due time too (the wall's, for order), and is not a countdown.
export function paint(root, now = Date.now()) {
  for (const node of root.querySelectorAll(".countdown[data-due]")) {
    const state = deadlineState({
      due_at: node.dataset.due, started_at: node.dataset.start || null, met_at: node.dataset.met || null,
    }, now);
    node.textContent = state.text;
    node.dataset.level = state.level;
  }
}

export function countdownNode(clock, met = false) {
  const node = document.createElement("span");
  node.className = "countdown";
  if (!clock) {
    node.textContent = met ? "已完成" : "—";
    node.dataset.level = met ? "met" : "none";
    return node;
  }
  node.dataset.due = clock.due_at;
  if (clock.started_at) node.dataset.start = clock.started_at;
  if (clock.met_at) node.dataset.met = clock.met_at;
  node.dataset.kind = clock.kind || "";
  const state = deadlineState(clock, Date.now());
  node.textContent = state.text;
  node.dataset.level = state.level;
  return node;
}

export function startTicking(root) {
  paint(root);
  return setInterval(() => paint(root), 1000);
}

// The board's clock columns (issue 17): each open clock kind has one, the known kinds by name
// and the per-unit duties (duty:<id>) and 督办单 (supervision:<id>) grouped. Kinds not known
// here land in 其他 with their own label, so a new kind is shown before the board knows it.
export const CLOCK_GROUPS = [
  { key: "response", label: "回应", has: (k) => k === "response" },
  { key: "feedback", label: "反馈", has: (k) => k === "feedback" },
  { key: "followup", label: "跟进", has: (k) => k.startsWith("followup_") || k === "emergency_info" || k === "press_conference" },
  { key: "claim", label: "认领", has: (k) => k === "claim" },
  { key: "supervision", label: "督办单", has: (k) => k.startsWith("supervision:") },
  { key: "duty", label: "单位职责", has: (k) => k.startsWith("duty:") },
  { key: "other", label: "其他", has: () => true },
];

export function groupOf(kind) {
  return CLOCK_GROUPS.find((g) => g.has(String(kind || ""))) || CLOCK_GROUPS[CLOCK_GROUPS.length - 1];
}

// The open clocks of an incident by group key, each group soonest first.
export function clocksByGroup(inc) {
  const out = {};
  for (const c of clocksOf(inc).filter((c) => !c.met_at && c.due_at)) {
    (out[groupOf(c.kind).key] ||= []).push(c);
  }
  for (const cs of Object.values(out)) cs.sort((a, b) => Date.parse(a.due_at) - Date.parse(b.due_at));
  return out;
}
