// Roster agent dashboard: one plain module, no framework, nothing fetched from outside.
//
// Where the data comes from:
//   GET /v1/services every 2 s             -> the service list, counts and sparklines
//   GET /health every 2 s                  -> the "disconnected" banner (503 or no answer)
//   GET /v1/services/{name}/events         -> each open service's table and the timeline
//
// An agent with a read token answers 401 to the first two: the page then asks for the token,
// keeps it in sessionStorage (this tab only, gone when it closes) and sends it as an
// Authorization header. EventSource cannot send headers, and the agent never takes a token in
// a URL (URLs end up in logs and history), so event streams are read with fetch.
//
// A browser opens at most six HTTP/1.1 connections to one origin and an event stream holds
// one for as long as it is open, so at most MAX_OPEN services are followed live at once;
// the two polls need the rest.

const POLL_MS = 2000;
const HEALTH_TIMEOUT_MS = 1500;
const MAX_OPEN = 4;
const AUTO_OPEN = 3;
const SPARK_WINDOW_MS = 10 * 60 * 1000;
// The sparkline spans from the first sample to now (at least this long) until it has a
// full window, so it fills its box from the start rather than growing from the right edge.
const SPARK_MIN_SPAN_MS = 2 * 1000;
const TIMELINE_MAX = 500;
const REMOVE_FADE_MS = 700;
const STALE_CONFIRM_MS = 500;

const $ = (id) => document.getElementById(id);

const ui = {
  connection: $("connection"),
  connectionText: $("connection-text"),
  filter: $("filter"),
  banner: $("banner"),
  bannerDisconnected: $("banner-disconnected"),
  bannerStale: $("banner-stale"),
  serviceList: $("service-list"),
  servicesTotal: $("services-total"),
  servicesEmpty: $("services-empty"),
  panels: $("panels"),
  panelsEmpty: $("panels-empty"),
  timeline: $("timeline"),
  timelineTotal: $("timeline-total"),
  timelineEmpty: $("timeline-empty"),
  timelineClear: $("timeline-clear"),
  serviceTemplate: $("service-item"),
  panelTemplate: $("panel"),
  tokenForm: $("token-form"),
  token: $("token"),
  tokenError: $("token-error"),
};

const TOKEN_KEY = "roster-agent-token";

function authHeaders() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

// What waits for a token: called again once one is given.
const waitingForToken = new Set();

function askForToken(retry) {
  if (retry) waitingForToken.add(retry);
  if (!ui.tokenForm.hidden) return;
  ui.tokenError.textContent = sessionStorage.getItem(TOKEN_KEY) ? "That token was not accepted." : "";
  ui.tokenForm.hidden = false;
  ui.token.focus();
}

ui.tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const token = ui.token.value.trim();
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  ui.token.value = "";
  ui.tokenForm.hidden = true;
  const retries = [...waitingForToken];
  waitingForToken.clear();
  for (const retry of retries) retry();
});

// A server-sent events stream read with fetch, so that it can carry the token. Calls onOpen
// once the answer is 200, onEvent(type, data, id) per event, and onEnd(status) once: the
// HTTP status of a refusal, or 0 when the stream ended or the network failed.
function openStream(url, lastEventId, { onOpen, onEvent, onEnd }) {
  const controller = new AbortController();
  let ended = false;
  const end = (status) => {
    if (ended) return;
    ended = true;
    onEnd(status);
  };
  (async () => {
    const headers = { Accept: "text/event-stream", ...authHeaders() };
    if (lastEventId !== null) headers["Last-Event-ID"] = String(lastEventId);
    const response = await fetch(url, { headers, cache: "no-store", signal: controller.signal });
    if (!response.ok || !response.body) {
      end(response.status || 0);
      return;
    }
    onOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let id = null;
    let type = "";
    let data = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        let line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.endsWith("\r")) line = line.slice(0, -1);
        if (line === "") {
          if (data.length > 0 || type) onEvent(type || "message", data.join("\n"), id);
          type = "";
          data = [];
        } else if (line.startsWith(":")) {
          // A keep-alive comment.
        } else {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          let text = colon < 0 ? "" : line.slice(colon + 1);
          if (text.startsWith(" ")) text = text.slice(1);
          if (field === "event") type = text;
          else if (field === "data") data.push(text);
          else if (field === "id") id = text;
        }
      }
    }
    end(0);
  })().catch(() => end(0));
  return {
    close() {
      ended = true;
      controller.abort();
    },
  };
}

const state = {
  services: new Map(), // name -> ServiceCard
  panels: new Map(), // name -> Panel, in the order they were opened
  health: "unknown", // connected | disconnected | unreachable | unknown
  healthSince: null,
  firstPollDone: false,
  userChoseServices: false,
  filter: "",
};

// ---------------------------------------------------------------------------------------
// Small helpers

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function clock(date) {
  return date.toLocaleTimeString([], { hour12: false });
}

function shown(value) {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function age(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  // Coarse on purpose: a 1,000-row table should not have every age cell rewritten each second.
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

function compareIds(a, b) {
  return a.localeCompare(b, undefined, { numeric: true });
}

function matches(text, q) {
  return text.toLowerCase().includes(q);
}

// Highlights run through the Web Animations API: restarting a CSS animation means a forced
// layout, which on a 1,000-row table costs more than the update it shows.
const FLASH_COLOURS = {};

function readFlashColours() {
  const style = getComputedStyle(document.documentElement);
  for (const name of ["added", "changed"]) {
    FLASH_COLOURS[name] = style.getPropertyValue(`--flash-${name === "added" ? "add" : "change"}`).trim();
  }
}
readFlashColours();
matchMedia("(prefers-color-scheme: dark)").addEventListener("change", readFlashColours);
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");

function flash(element, kind) {
  const colour = FLASH_COLOURS[kind];
  if (!colour || typeof element.animate !== "function") return;
  element.getAnimations().forEach((a) => a.cancel());
  element.animate([{ backgroundColor: colour }, { backgroundColor: "transparent" }], {
    duration: reducedMotion.matches ? 400 : 2000,
    // Ten steps, not sixty frames a second: a background colour is repainted on the main
    // thread, and a busy 1,000-row table would spend its time repainting fades.
    easing: "steps(10, end)",
  });
}

// ---------------------------------------------------------------------------------------
// Timeline

let timelineCount = 0;

function logEvent({ kind, service = "", id = "", text = "", summary = "", diff = [], at = new Date() }) {
  const li = el("li", "event");
  li.dataset.kind = kind;
  if (service) li.dataset.service = service;
  if (id) li.dataset.id = id;

  const time = el("time", "event-time", clock(at));
  time.dateTime = at.toISOString();
  time.title = at.toISOString();

  const what = el("div", "event-what");
  what.append(el("span", "event-kind", kind));
  if (id) {
    what.append(el("span", "event-subject", id));
    if (service) what.append(" ", el("span", "event-service", `in ${service}`));
  } else if (service) {
    what.append(el("span", "event-subject", service));
  }
  if (text) what.append(" ", el("span", "event-text", text));

  li.append(time, what);
  if (summary) li.append(el("div", "event-summary", summary));
  if (diff.length > 0) {
    const list = el("ul", "diff");
    for (const [field, before, after] of diff) {
      const item = el("li");
      item.append(el("span", "field", `${field}: `));
      if (before !== undefined) item.append(el("del", "", shown(before)));
      if (before !== undefined && after !== undefined) item.append(" → ");
      if (after !== undefined) item.append(el("ins", "", shown(after)));
      list.append(item);
    }
    li.append(list);
  }

  li.hidden = !timelineVisible(li);
  ui.timeline.prepend(li);
  timelineCount++;
  while (ui.timeline.childElementCount > TIMELINE_MAX) ui.timeline.lastElementChild.remove();
  renderTimelineTotals();
}

function timelineVisible(li) {
  const q = state.filter;
  if (!q) return true;
  return matches(li.dataset.service || "", q) || matches(li.dataset.id || "", q);
}

function renderTimelineTotals() {
  const kept = ui.timeline.childElementCount;
  ui.timelineTotal.textContent = kept ? `(${timelineCount})` : "";
  ui.timelineEmpty.hidden = kept > 0;
}

function instanceSummary(inst) {
  const parts = [`${inst.address}:${inst.port}`];
  if (inst.zone) parts.push(inst.zone);
  parts.push(shown(inst.status), `weight ${shown(inst.weight)}`);
  return parts.join(" · ");
}

const SCALAR_FIELDS = ["address", "port", "sslPort", "zone", "weight", "status", "registeredAt"];

function instanceDiff(before, after) {
  const diff = [];
  for (const field of SCALAR_FIELDS) {
    if (before[field] !== after[field]) diff.push([field, before[field], after[field]]);
  }
  const a = before.metadata || {};
  const b = after.metadata || {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[key] !== b[key]) {
      diff.push([`metadata.${key}`, key in a ? a[key] : undefined, key in b ? b[key] : undefined]);
    }
  }
  return diff;
}

// ---------------------------------------------------------------------------------------
// Service list with sparklines

class ServiceCard {
  constructor(name) {
    this.name = name;
    this.count = 0;
    this.history = []; // [{t, c}]
    this.live = false; // counted by an open event stream rather than the poll
    const fragment = ui.serviceTemplate.content.cloneNode(true);
    this.li = fragment.querySelector("li");
    this.li.dataset.service = name;
    this.button = fragment.querySelector("button");
    this.countEl = fragment.querySelector(".service-count");
    this.sparkTitle = fragment.querySelector("title");
    this.sparkLine = fragment.querySelector(".spark-line");
    this.sparkArea = fragment.querySelector(".spark-area");
    fragment.querySelector(".service-name").textContent = name;
    this.button.addEventListener("click", () => {
      state.userChoseServices = true;
      toggle(name);
    });
  }

  setCount(count, at = Date.now()) {
    const changed = count !== this.count;
    this.count = count;
    this.countEl.textContent = String(count);
    this.countEl.setAttribute("aria-label", `${count} instance${count === 1 ? "" : "s"}`);
    // Samples less than a second apart share one point: a burst of a thousand changes is
    // one step on the line, not a thousand path segments.
    const last = this.history[this.history.length - 1];
    if (last && at - last.t < 1000 && this.history.length > 1) last.c = count;
    else this.history.push({ t: at, c: count });
    const horizon = at - SPARK_WINDOW_MS - POLL_MS;
    while (this.history.length > 2 && this.history[1].t < horizon) this.history.shift();
    if (changed) flash(this.countEl, "changed");
    this.renderSpark(at);
    return changed;
  }

  setGone(gone) {
    if (gone) this.li.dataset.gone = "";
    else delete this.li.dataset.gone;
  }

  setOpen(open) {
    this.button.setAttribute("aria-pressed", String(open));
  }

  renderSpark(now = Date.now()) {
    const h = this.history;
    if (h.length === 0) return;
    const span = Math.min(SPARK_WINDOW_MS, Math.max(SPARK_MIN_SPAN_MS, now - h[0].t));
    const start = now - span;
    let max = 0;
    let min = Infinity;
    for (const p of h) {
      if (p.c > max) max = p.c;
      if (p.c < min) min = p.c;
    }
    const top = Math.max(1, max);
    const x = (t) => (Math.max(0, t - start) / span) * 120;
    const y = (c) => 26 - (c / top) * 23;
    // A step line: the count holds until the next sample says otherwise.
    let d = `M${x(h[0].t).toFixed(1)},${y(h[0].c).toFixed(1)}`;
    for (let i = 1; i < h.length; i++) {
      d += `H${x(h[i].t).toFixed(1)}V${y(h[i].c).toFixed(1)}`;
    }
    d += `H120`;
    this.sparkLine.setAttribute("d", d);
    this.sparkArea.setAttribute("d", `${d}V28H${x(h[0].t).toFixed(1)}Z`);
    const minutes = Math.round(span / 60000);
    this.sparkTitle.textContent =
      `${this.name}: ${this.count} now, between ${min} and ${max}` +
      ` over the last ${minutes < 1 ? "minute" : `${minutes} min`}`;
  }
}

function upsertService(name) {
  let card = state.services.get(name);
  if (!card) {
    card = new ServiceCard(name);
    state.services.set(name, card);
    // Keep the list sorted by name, as the API answers.
    const next = [...state.services.keys()].sort(compareIds).find((n) => compareIds(n, name) > 0);
    ui.serviceList.insertBefore(card.li, next ? state.services.get(next).li : null);
    card.li.hidden = !serviceVisible(name);
  }
  return card;
}

async function pollServices() {
  try {
    const response = await fetch("/v1/services", { cache: "no-store", headers: authHeaders() });
    if (response.status === 401 || response.status === 403) {
      // Polled again with the token: no timer until then.
      askForToken(pollServices);
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = await response.json();
    const now = Date.now();
    const seen = new Set();
    for (const { name, instances } of body.services || []) {
      seen.add(name);
      const isNew = !state.services.has(name);
      const card = upsertService(name);
      card.setGone(false);
      if (isNew && state.firstPollDone) {
        logEvent({ kind: "service", service: name, text: `listed, ${shown(instances)} instances` });
      }
      if (card.live) {
        card.renderSpark(now);
      } else if (typeof instances !== "number") {
        // Listed but not countable (a node the library cannot watch): say so, draw nothing.
        card.countEl.textContent = "?";
        card.countEl.setAttribute("aria-label", "instance count unknown");
      } else {
        const before = card.count;
        if (card.setCount(instances, now) && !isNew && state.firstPollDone) {
          logEvent({ kind: "count", service: name, diff: [["instances", before, instances]] });
        }
      }
    }
    for (const card of state.services.values()) {
      if (seen.has(card.name)) continue;
      if (!card.li.hasAttribute("data-gone")) {
        logEvent({ kind: "service", service: card.name, text: "no longer listed" });
      }
      if (!card.live) card.setCount(0, now);
      else card.renderSpark(now);
      card.setGone(true);
    }
    state.firstPollDone = true;
    renderServiceTotals();
    autoOpen();
    setTimeout(pollServices, POLL_MS);
  } catch (error) {
    // The health poll reports an unreachable agent; nothing to add here.
    setTimeout(pollServices, POLL_MS);
  }
}

function renderServiceTotals() {
  const total = state.services.size;
  let instances = 0;
  for (const card of state.services.values()) instances += card.count;
  ui.servicesTotal.textContent = total ? `(${total} · ${instances} instances)` : "";
  ui.servicesEmpty.hidden = total > 0;
}

// ---------------------------------------------------------------------------------------
// Instance panels, one event stream each

class Panel {
  constructor(name) {
    this.name = name;
    this.rows = new Map(); // id -> {inst, tr, cells, registeredMs}
    this.ids = []; // sorted ids of this.rows, to insert a row at its place
    this.index = -1;
    this.snapshots = 0;
    this.stale = null;
    this.renderScheduled = false;
    this.snapshotSeq = 0;
    this.staleConfirmedBy = -1;
    this.source = null;
    this.retry = null;
    this.lastEventId = null;
    this.closed = false;

    const fragment = ui.panelTemplate.content.cloneNode(true);
    this.section = fragment.querySelector("section");
    this.section.dataset.service = name;
    this.section.setAttribute("aria-label", `Instances of ${name}`);
    this.countEl = fragment.querySelector(".panel-count");
    this.stateEl = fragment.querySelector(".panel-state");
    this.tbody = fragment.querySelector("tbody");
    this.empty = fragment.querySelector(".panel-empty");
    fragment.querySelector(".panel-name").textContent = name;
    fragment.querySelector("caption").textContent = `Instances of ${name}, updated live`;
    fragment.querySelector(".panel-close").addEventListener("click", () => {
      state.userChoseServices = true;
      toggle(name);
    });
    this.setState("connecting…");
    this.connect();
  }

  connect() {
    if (this.closed) return;
    const handlers = {
      snapshot: this.onSnapshot,
      added: this.onAdded,
      removed: this.onRemoved,
      updated: this.onUpdated,
      stale: this.onStale,
      fresh: this.onFresh,
    };
    this.source = openStream(`/v1/services/${encodeURIComponent(this.name)}/events`, this.lastEventId, {
      onOpen: () => {
        if (!this.stale) this.setState("");
      },
      onEvent: (type, text, id) => {
        const handler = handlers[type];
        if (!handler) return;
        let data;
        try {
          data = JSON.parse(text);
        } catch {
          return;
        }
        if (id !== null) this.lastEventId = id;
        handler.call(this, data);
      },
      onEnd: (status) => {
        if (status === 401 || status === 403) {
          this.setState("needs a token");
          askForToken(() => this.connect());
          return;
        }
        // Resumed from the last event seen; a stream too far behind gets a snapshot first,
        // which is reconciled with what is on screen.
        this.setState("reconnecting…");
        this.retry = setTimeout(() => this.connect(), POLL_MS);
      },
    });
  }

  close() {
    this.closed = true;
    clearTimeout(this.retry);
    this.source?.close();
    this.section.remove();
    const card = state.services.get(this.name);
    if (card) card.live = false;
  }

  setState(text) {
    this.stateEl.textContent = text;
  }

  track(index) {
    if (typeof index === "number") this.index = index;
  }

  onSnapshot(data) {
    this.track(data.index);
    // A stream that opens on a stale view sends "stale" right after its snapshot, and one
    // on a fresh view sends nothing: so a view stale before a reconnect is fresh unless the
    // new stream says otherwise at once.
    const seq = ++this.snapshotSeq;
    if (this.stale) {
      setTimeout(() => {
        if (this.stale && this.staleConfirmedBy !== seq) this.onFresh({});
      }, STALE_CONFIRM_MS);
    }
    const incoming = new Map();
    for (const inst of data.instances || []) incoming.set(inst.id, inst);
    const first = this.snapshots++ === 0;
    if (first) {
      // One insertion of all rows, in order, rather than one per instance.
      const fragment = document.createDocumentFragment();
      for (const id of [...incoming.keys()].sort(compareIds)) {
        const row = this.makeRow(incoming.get(id));
        this.rows.set(id, row);
        this.ids.push(id);
        fragment.append(row.tr);
      }
      this.tbody.append(fragment);
      logEvent({
        kind: "snapshot",
        service: this.name,
        text: `${incoming.size} instance${incoming.size === 1 ? "" : "s"}`,
      });
    } else {
      // A resumed stream whose gap could not be replayed: show what changed meanwhile.
      for (const id of [...this.rows.keys()]) {
        if (!incoming.has(id)) this.onRemoved({ instance: this.rows.get(id).inst });
      }
      for (const inst of incoming.values()) {
        const row = this.rows.get(inst.id);
        if (!row) this.onAdded({ instance: inst });
        else if (instanceDiff(row.inst, inst).length > 0) this.onUpdated({ instance: inst, previous: row.inst });
      }
    }
    this.afterChange();
  }

  onAdded(data) {
    this.track(data.index);
    const inst = data.instance;
    if (!inst) return;
    if (this.rows.has(inst.id)) {
      this.onUpdated({ instance: inst, previous: this.rows.get(inst.id).inst });
      return;
    }
    const row = this.makeRow(inst);
    this.insert(inst.id, row);
    flash(row.tr, "added");
    logEvent({ kind: "added", service: this.name, id: inst.id, summary: instanceSummary(inst) });
    this.afterChange();
  }

  onRemoved(data) {
    this.track(data.index);
    const inst = data.instance;
    const row = inst && this.rows.get(inst.id);
    if (!row) return;
    this.rows.delete(inst.id);
    this.ids.splice(this.position(inst.id), 1);
    // Fade the row out, but take it out of the data at once: a re-added id gets a new row.
    row.tr.classList.add("removing");
    row.tr.removeAttribute("data-id");
    row.tr.dataset.removedId = inst.id;
    setTimeout(() => row.tr.remove(), REMOVE_FADE_MS);
    logEvent({
      kind: "removed",
      service: this.name,
      id: inst.id,
      summary: `was ${instanceSummary(row.inst)}`,
    });
    this.afterChange();
  }

  onUpdated(data) {
    this.track(data.index);
    const inst = data.instance;
    if (!inst) return;
    const row = this.rows.get(inst.id);
    if (!row) {
      this.onAdded({ instance: inst });
      return;
    }
    const previous = data.previous || row.inst;
    const diff = instanceDiff(previous, inst);
    this.fill(row, inst, true);
    logEvent({ kind: "updated", service: this.name, id: inst.id, diff });
    this.afterChange();
  }

  onStale(data) {
    this.track(data.index);
    this.staleConfirmedBy = this.snapshotSeq;
    if (this.stale) return;
    this.stale = new Date();
    this.section.dataset.stale = "";
    this.setState(`stale since ${clock(this.stale)}`);
    logEvent({ kind: "stale", service: this.name, text: "view may be missing changes" });
    renderBanner();
  }

  onFresh(data) {
    this.track(data.index);
    if (!this.stale) return;
    const since = this.stale;
    this.stale = null;
    delete this.section.dataset.stale;
    this.setState("");
    logEvent({ kind: "fresh", service: this.name, text: `after ${age(Date.now() - since)}` });
    renderBanner();
  }

  position(id) {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.ids[mid], id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(id, row) {
    const at = this.position(id);
    const next = this.ids[at];
    this.ids.splice(at, 0, id);
    this.rows.set(id, row);
    this.tbody.insertBefore(row.tr, next ? this.rows.get(next).tr : null);
    row.tr.hidden = !this.rowVisible(id);
  }

  makeRow(inst) {
    const tr = el("tr");
    tr.dataset.id = inst.id;
    const cells = {
      id: el("td", "c-id mono", inst.id),
      address: el("td", "c-addr mono"),
      zone: el("td", "c-zone"),
      weight: el("td", "c-weight num"),
      status: el("td", "c-status"),
      age: el("td", "c-age num"),
      metadata: el("td", "c-meta"),
    };
    cells.id.title = inst.id;
    tr.append(...Object.values(cells));
    const row = { inst: null, tr, cells, registeredMs: NaN, ageText: "" };
    this.fill(row, inst, false);
    row.tr.hidden = !this.rowVisible(inst.id);
    return row;
  }

  // Writes only the cells whose value changed, and highlights those when asked.
  fill(row, inst, highlight) {
    const old = row.inst;
    const c = row.cells;
    const changed = (...fields) => !old || fields.some((f) => old[f] !== inst[f]);
    const mark = (cell) => highlight && flash(cell, "changed");

    if (changed("address", "port", "sslPort")) {
      c.address.textContent = `${inst.address}:${inst.port}`;
      c.address.title = c.address.textContent;
      if (inst.sslPort !== null && inst.sslPort !== undefined) {
        c.address.append(el("span", "tls", `tls ${inst.sslPort}`));
      }
      mark(c.address);
    }
    if (changed("zone")) {
      c.zone.textContent = shown(inst.zone);
      c.zone.classList.toggle("none", inst.zone === null || inst.zone === undefined);
      mark(c.zone);
    }
    if (changed("weight")) {
      c.weight.textContent = shown(inst.weight);
      mark(c.weight);
    }
    if (changed("status")) {
      const badge = el("span", "status", shown(inst.status));
      badge.dataset.status = inst.status;
      c.status.replaceChildren(badge);
      mark(c.status);
    }
    if (changed("registeredAt")) {
      row.registeredMs = Date.parse(inst.registeredAt);
      c.age.title = inst.registeredAt ? `registered ${inst.registeredAt}` : "";
      row.ageText = "";
      updateAge(row, Date.now());
      mark(c.age);
    }
    if (!old || JSON.stringify(old.metadata || {}) !== JSON.stringify(inst.metadata || {})) {
      const box = el("div", "meta");
      for (const [key, value] of Object.entries(inst.metadata || {})) {
        const item = el("span", "meta-item");
        item.title = `${key}=${value}`;
        item.append(el("span", "meta-key", `${key}=`), String(value));
        box.append(item);
      }
      c.metadata.replaceChildren(box);
      mark(c.metadata);
    }
    row.inst = inst;
  }

  // Counts, sparkline and totals once a frame however many events came in it: a burst of a
  // thousand registrations is a thousand row insertions and one redraw of the rest.
  afterChange() {
    if (this.renderScheduled) return;
    this.renderScheduled = true;
    requestAnimationFrame(() => {
      this.renderScheduled = false;
      if (!state.panels.has(this.name)) return;
      const count = this.rows.size;
      this.countEl.textContent = `${count} instance${count === 1 ? "" : "s"}`;
      this.empty.hidden = count > 0;
      const card = upsertService(this.name);
      card.live = true;
      card.setGone(false);
      card.setCount(count);
      renderServiceTotals();
      if (state.filter) applyPanelFilter(this);
    });
  }

  rowVisible(id) {
    const q = state.filter;
    return !q || matches(this.name, q) || matches(id, q);
  }
}

function updateAge(row, now) {
  if (Number.isNaN(row.registeredMs)) {
    if (row.ageText !== "—") row.cells.age.textContent = row.ageText = "—";
    return;
  }
  const text = age(now - row.registeredMs);
  if (text !== row.ageText) row.cells.age.textContent = row.ageText = text;
}

function tickAges() {
  const now = Date.now();
  for (const panel of state.panels.values()) {
    for (const row of panel.rows.values()) updateAge(row, now);
  }
}

// ---------------------------------------------------------------------------------------
// Opening and closing services

function toggle(name) {
  if (state.panels.has(name)) closePanel(name);
  else openPanel(name);
  saveHash();
}

function openPanel(name) {
  if (state.panels.has(name)) return;
  while (state.panels.size >= MAX_OPEN) closePanel(state.panels.keys().next().value);
  const panel = new Panel(name);
  state.panels.set(name, panel);
  // Panels follow the service list's order, so a panel is where one expects it.
  const after = [...state.panels.keys()].sort(compareIds).find((n) => compareIds(n, name) > 0);
  ui.panels.insertBefore(panel.section, after ? state.panels.get(after).section : null);
  upsertService(name).setOpen(true);
  ui.panelsEmpty.hidden = true;
  applyPanelFilter(panel);
}

function closePanel(name) {
  const panel = state.panels.get(name);
  if (!panel) return;
  panel.close();
  state.panels.delete(name);
  state.services.get(name)?.setOpen(false);
  ui.panelsEmpty.hidden = state.panels.size > 0;
  renderBanner();
}

function autoOpen() {
  if (state.userChoseServices) return;
  for (const name of [...state.services.keys()].sort(compareIds)) {
    if (state.panels.size >= AUTO_OPEN) break;
    openPanel(name);
  }
}

function saveHash() {
  const names = [...state.panels.keys()].map(encodeURIComponent).join(",");
  history.replaceState(null, "", names ? `#open=${names}` : location.pathname);
}

function loadHash() {
  const match = /^#open=(.*)$/.exec(location.hash);
  if (!match) return;
  state.userChoseServices = true;
  for (const name of match[1].split(",").filter(Boolean)) openPanel(decodeURIComponent(name));
}

// ---------------------------------------------------------------------------------------
// Health and the banner

async function pollHealth() {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), HEALTH_TIMEOUT_MS);
  let next;
  try {
    const response = await fetch("/health", { cache: "no-store", signal: controller.signal });
    next = response.status === 200 ? "connected" : response.status === 503 ? "disconnected" : "unreachable";
  } catch {
    next = "unreachable";
  } finally {
    clearTimeout(timer);
  }
  setHealth(next);
  setTimeout(pollHealth, POLL_MS);
}

const HEALTH_TEXT = {
  connected: "Connected to ZooKeeper",
  disconnected: "ZooKeeper unreachable",
  unreachable: "Agent not answering",
  unknown: "Connecting…",
};

function setHealth(next) {
  if (next === state.health) return;
  const previous = state.health;
  state.health = next;
  state.healthSince = new Date();
  ui.connection.dataset.state = next;
  ui.connectionText.textContent = HEALTH_TEXT[next];
  if (previous !== "unknown" || next !== "connected") {
    logEvent({
      kind: next === "connected" ? "connected" : "disconnected",
      text: HEALTH_TEXT[next],
    });
  }
  renderBanner();
}

function renderBanner() {
  const since = state.healthSince ? ` since ${clock(state.healthSince)}` : "";
  let disconnected = "";
  if (state.health === "disconnected") {
    disconnected = `The agent has been disconnected from ZooKeeper${since}. Showing the last known state.`;
  } else if (state.health === "unreachable") {
    disconnected = `The agent is not answering${since}. Retrying every ${POLL_MS / 1000} s.`;
  }
  const stale = [...state.panels.values()].filter((p) => p.stale);
  let staleText = "";
  if (stale.length > 0) {
    const names = stale.map((p) => p.name).join(", ");
    const first = new Date(Math.min(...stale.map((p) => p.stale.getTime())));
    staleText =
      `Stale view of ${names} since ${clock(first)}: changes may be missing ` +
      `until the agent is back in touch with ZooKeeper.`;
  }
  ui.bannerDisconnected.textContent = disconnected;
  ui.bannerDisconnected.hidden = !disconnected;
  ui.bannerStale.textContent = staleText;
  ui.bannerStale.hidden = !staleText;
  ui.banner.hidden = !disconnected && !staleText;
  ui.banner.dataset.reason = [disconnected && state.health, staleText && "stale"].filter(Boolean).join(" ");
  document.title = ui.banner.hidden ? "Roster agent" : "⚠ Roster agent";
}

// ---------------------------------------------------------------------------------------
// Filter

function serviceVisible(name) {
  const q = state.filter;
  if (!q || matches(name, q)) return true;
  const panel = state.panels.get(name);
  return panel ? panel.ids.some((id) => matches(id, q)) : false;
}

function applyPanelFilter(panel) {
  const q = state.filter;
  let visible = 0;
  for (const row of panel.rows.values()) {
    const show = panel.rowVisible(row.inst.id);
    if (row.tr.hidden === show) row.tr.hidden = !show;
    if (show) visible++;
  }
  panel.section.hidden = Boolean(q) && visible === 0 && !matches(panel.name, q);
  const card = state.services.get(panel.name);
  if (card) card.li.hidden = !serviceVisible(panel.name);
}

function applyFilter() {
  state.filter = ui.filter.value.trim().toLowerCase();
  for (const card of state.services.values()) card.li.hidden = !serviceVisible(card.name);
  for (const panel of state.panels.values()) applyPanelFilter(panel);
  for (const li of ui.timeline.children) li.hidden = !timelineVisible(li);
}

let filterTimer = null;
ui.filter.addEventListener("input", () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(applyFilter, 120);
});
ui.filter.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    ui.filter.value = "";
    applyFilter();
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key === "/" && document.activeElement !== ui.filter) {
    event.preventDefault();
    ui.filter.focus();
  }
});

ui.timelineClear.addEventListener("click", () => {
  ui.timeline.replaceChildren();
  timelineCount = 0;
  renderTimelineTotals();
});

// ---------------------------------------------------------------------------------------

loadHash();
renderBanner();
renderTimelineTotals();
renderServiceTotals();
pollHealth();
pollServices();
setInterval(tickAges, 1000);
