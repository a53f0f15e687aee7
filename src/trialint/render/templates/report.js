/* trialint audit report: renders the findings embedded in #trialint-data.
   No network access, no innerHTML: every piece of record text is set with textContent. */
(function () {
  "use strict";
  var t0 = performance.now();

  // The data: JSON, gzip, base64 (see pack() in html.py).
  function bytesOf(b64) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(b64);
    var bin = atob(b64), n = bin.length, out = new Uint8Array(n);
    for (var k = 0; k < n; k++) out[k] = bin.charCodeAt(k);
    return out;
  }
  function fail(why) {
    var st = document.getElementById("status");
    if (st) st.textContent = "The interactive findings list could not start (" + why + "); the findings below are the server-rendered first ones.";
    document.documentElement.setAttribute("data-ready", "error");
  }
  if (typeof DecompressionStream !== "function") { fail("this browser has no DecompressionStream"); return; }
  var marks = {};
  var packed = document.getElementById("trialint-data").textContent.trim();
  var bytes = bytesOf(packed);
  marks.decode = performance.now() - t0;
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  new Response(stream).text().then(function (text) {
    marks.inflate = performance.now() - t0;
    var D = JSON.parse(text);
    marks.parse = performance.now() - t0;
    start(D);
  })
    .catch(function (e) { fail(String(e)); throw e; });

  function start(D) {
  var S = D.S, M = D.M, R = D.rec, F = D.f, CTX = D.ctx, SEV = D.sev, RULES = D.rules;
  var NEW = F.n && F.n.length ? F.n : null; // 1 = new since the previous audit (report --since)
  var nF = F.r.length, nR = R.id.length, PAGE = D.page, LW = D.win[0], LS = D.win[1];
  var PER_CARD = 8; // findings shown at first in a record's card in the list
  var LINKS = [
    [/^NCT[0-9]{8}$/, "https://clinicaltrials.gov/study/", "ClinicalTrials.gov"],
    [/^ISRCTN[0-9]{8}$/, "https://www.isrctn.com/", "ISRCTN registry"],
    [/^[0-9]{4}-[0-9]{6}-[0-9]{2}$/, "https://www.clinicaltrialsregister.eu/ctr-search/search?query=", "EU Clinical Trials Register"]
  ];
  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };

  // ---- indexes ------------------------------------------------------------------------------
  var off = new Int32Array(nR + 1), byRec = new Int32Array(nF), i;
  for (i = 0; i < nF; i++) off[F.r[i] + 1]++;
  for (i = 0; i < nR; i++) off[i + 1] += off[i];
  var fill = off.slice(0, nR);
  for (i = 0; i < nF; i++) byRec[fill[F.r[i]]++] = i;
  var recMax = new Int8Array(nR), recSev = new Int32Array(nR * 3);
  for (i = 0; i < nF; i++) {
    var r = F.r[i], s = F.s[i], rank = 3 - s;
    if (rank > recMax[r]) recMax[r] = rank;
    recSev[r * 3 + s]++;
  }
  var idIndex = Object.create(null);
  for (i = 0; i < nR; i++) idIndex[R.id[i]] = i;
  var cleanSet = Object.create(null);
  for (i = 0; i < D.clean.length; i++) cleanSet[D.clean[i]] = 1;
  var ruleIndex = Object.create(null);
  for (i = 0; i < RULES.length; i++) ruleIndex[RULES[i][0]] = i;

  marks.index = performance.now() - t0;
  function str(k) { return k >= 0 ? S[k] : ""; }
  function plural(n, w) { return n.toLocaleString("en") + " " + w + (n === 1 || w === "info" ? "" : "s"); }

  // ---- DOM helpers ------------------------------------------------------------------------------
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === "text") el.textContent = v;
        else if (k === "class") el.className = v;
        else el.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (var a = 2; a < arguments.length; a++) {
      var kid = arguments[a];
      if (kid === null || kid === undefined || kid === false) continue;
      if (Array.isArray(kid)) kid.forEach(function (x) { if (x) el.append(x); });
      else el.append(kid);
    }
    return el;
  }
  function registryLink(id) {
    for (var k = 0; k < LINKS.length; k++) {
      if (LINKS[k][0].test(id)) return [LINKS[k][1] + id, LINKS[k][2]];
    }
    return null;
  }
  function sevBadge(sev) { return h("span", { "class": "sev sev-" + sev, text: sev }); }

  // ---- snippets (mirrors snippet() in html.py) -------------------------------------------------
  function pieces(c, s, e, w, maxSpan) {
    var ctx = CTX[c], len = ctx[0], ranges, out = [], last = -1;
    if (s < 0) { s = e = -1; ranges = [[0, 2 * w]]; }
    else if (e - s > maxSpan) { var half = Math.floor(maxSpan / 2); ranges = [[s - w, s + half], [e - half, e + w]]; }
    else ranges = [[s - w, e + w]];
    for (var q = 0; q < ranges.length; q++) {
      var lo = Math.max(0, ranges[q][0]), hi = Math.min(len, ranges[q][1]);
      for (var g = 1; g < ctx.length; g += 2) {
        var o = ctx[g], text = ctx[g + 1];
        var a = Math.max(lo, o), b = Math.min(hi, o + text.length);
        if (a >= b && !(s === e && a === b && a === s)) continue;
        if (a < last) a = last;
        if (a > b) continue;
        if ((last < 0 && a > 0) || (last >= 0 && a > last)) out.push(["g", "…"]);
        var parts = [[a, Math.min(b, s), "t"], [Math.max(a, s), Math.min(b, e), "m"], [Math.max(a, e), b, "t"]];
        for (var p = 0; p < 3; p++) {
          var x = parts[p][0], y = parts[p][1];
          if (x < y) out.push([parts[p][2], text.slice(x - o, y - o)]);
          else if (parts[p][2] === "m" && s === e && a <= s && s <= b) out.push(["m", ""]);
        }
        last = b;
      }
    }
    if (last >= 0 && last < len) out.push(["g", "…"]);
    return trimWords(out);
  }
  // cut the partial word a window leaves next to a gap (mirrors _trim_words in html.py)
  function trimWords(out) {
    for (var i = 0; i < out.length; i++) {
      if (out[i][0] !== "t") continue;
      var text = out[i][1], m;
      if (i > 0 && out[i - 1][0] === "g") {
        m = /\s/.exec(text.slice(0, 25));
        if (m && m.index > 0) text = text.slice(m.index);
      }
      if (i + 1 < out.length && out[i + 1][0] === "g") {
        var tail = text.slice(-25), re = /\s/g, end = -1;
        while ((m = re.exec(tail))) end = m.index + 1;
        if (end > 0 && end < tail.length) text = text.slice(0, text.length - tail.length + end);
      }
      out[i] = ["t", text];
    }
    return out;
  }
  function ctxBlock(c, s, e, w, maxSpan, fallback) {
    if (c < 0) return fallback ? h("blockquote", { "class": "ctx" }, fallback) : null;
    var bq = h("blockquote", { "class": "ctx" });
    pieces(c, s, e, w, maxSpan).forEach(function (pc) {
      if (pc[0] === "m") bq.append(h("mark", { text: pc[1] }));
      else if (pc[0] === "g") bq.append(h("span", { "class": "gap", text: pc[1] }));
      else bq.append(pc[1]);
    });
    return bq;
  }
  // where the finding is in its file; in a record's card the record's own file goes without saying
  function locOf(i, full) {
    var own = F.sp[i] === -2, p = own ? str(R.sp[F.r[i]]) : str(F.sp[i]);
    if (own && !full) p = "";
    if (F.ln[i] >= 0) return (p ? p + ":" : "line ") + F.ln[i] + (F.co[i] >= 0 ? ":" + F.co[i] : "");
    return p && F.pt[i] >= 0 ? p + " " + S[F.pt[i]] : p;
  }
  function endOf(i) { return F.b[i] >= 0 ? F.b[i] : (F.c[i] >= 0 && F.a[i] >= 0 ? CTX[F.c[i]][0] : F.a[i]); }
  function relEnd(i) { return F.rb[i] >= 0 ? F.rb[i] : (F.rc[i] >= 0 && F.ra[i] >= 0 ? CTX[F.rc[i]][0] : F.ra[i]); }

  function findingItem(i, w, maxSpan, withRecord) {
    var sev = SEV[F.s[i]], rule = F.u[i] >= 0 ? RULES[F.u[i]][0] : "";
    var fld = str(F.fl[i]), loc = locOf(i, withRecord);
    var body = h("div", { "class": "fb" },
      h("p", { "class": "msg", text: M[F.m[i]] }),
      fld ? h("p", { "class": "where" }, h("code", { text: fld })) : null,
      ctxBlock(F.c[i], F.a[i], endOf(i), w, maxSpan, F.x[i] >= 0 ? M[F.x[i]] : null));
    if (F.rf[i] >= 0) {
      body.append(h("p", { "class": "where rel" }, "Second place: ", h("code", { text: S[F.rf[i]] })));
      var rb = ctxBlock(F.rc[i], F.ra[i], relEnd(i), w, maxSpan, null);
      if (rb) body.append(rb);
    }
    var li = h("li", { "class": "fi sev-" + sev, "data-f": i },
      h("div", { "class": "fh" },
        h("p", { "class": "fr" }, sevBadge(sev), NEW && NEW[i] ? [" ", h("span", { "class": "newb", text: "new" })] : null, " ", h("a", { "class": "rule", href: "#rule-" + rule, text: rule }),
          withRecord ? [" ", h("span", { "class": "in", text: "in" }), " ", h("span", { "class": "rid", text: R.id[F.r[i]] })] : null),
        loc ? h("p", { "class": "src", text: loc }) : null),
      body);
    return li;
  }

  function recordHeader(r, tag, open, compact) {
    var id = R.id[r], link = registryLink(id);
    var title = h(tag, { "class": "rh" },
      open ? h("a", { "class": "open", href: "#record=" + encodeURIComponent(id), title: "Open this record (Enter)" }, h("span", { "class": "rid", text: id }))
        : h("span", { "class": "rid", text: id }),
      R.t[r] ? [" ", h("span", { "class": "rt", text: R.t[r] })] : null);
    var design = [str(R.ty[r]), str(R.al[r]), str(R.im[r])].filter(Boolean).join(", ");
    if (R.mk[r] >= 0) design += (design ? ", " : "") + "masking: " + S[R.mk[r]].toLowerCase();
    var meta = h("p", { "class": "rm" },
      link ? h("a", { "class": "ext", href: link[0], rel: "noopener noreferrer", target: "_blank", text: link[1] + " page" }) : null,
      (compact ? [] : [["Status", str(R.st[r])], ["Phase", str(R.ph[r])], ["Design", design], ["Start", str(R.sd[r])]]).map(function (kv) {
        return kv[1] ? h("span", { "class": "kv" }, h("span", { "class": "k", text: kv[0] }), " " + kv[1]) : null;
      }),
      SEV.map(function (sv, k) {
        var n = recSev[r * 3 + k];
        return n ? h("span", { "class": "cnt sev-" + sv, text: plural(n, sv) }) : null;
      }));
    return h("header", null, title, R.o[r] ? h("p", { "class": "ro", text: R.o[r] }) : null, meta);
  }

  // ---- filtering --------------------------------------------------------------------------------
  var state = { q: "", rule: -1, sev: [true, true, true], rec: "", sort: "file", page: 0, newOnly: false };
  var result = null; // {recs: Int32Array of record indexes, hits: per record list of findings}
  var lowMsg = null, lowRec = null, lowCtx = null, lowS = null;
  function lowered() {
    if (lowMsg) return;
    lowMsg = M.map(function (m) { return m.toLowerCase(); });
    lowS = S.map(function (x) { return x.toLowerCase(); });
    lowRec = R.id.map(function (id, r) { return (id + "\u0001" + R.t[r] + "\u0001" + R.o[r]).toLowerCase(); });
    lowCtx = new Array(CTX.length);
  }
  function ctxLow(c) {
    var v = lowCtx[c];
    if (v === undefined) {
      var parts = [];
      for (var g = 2; g < CTX[c].length; g += 2) parts.push(CTX[c][g]);
      v = lowCtx[c] = parts.join(" \u0001 ").toLowerCase();
    }
    return v;
  }
  function matchText(i, terms) {
    var r = F.r[i];
    for (var t = 0; t < terms.length; t++) {
      var term = terms[t];
      if (lowMsg[F.m[i]].indexOf(term) >= 0) continue;
      if (lowRec[r].indexOf(term) >= 0) continue;
      if (F.u[i] >= 0 && RULES[F.u[i]][0].indexOf(term) >= 0) continue;
      if (F.fl[i] >= 0 && lowS[F.fl[i]].indexOf(term) >= 0) continue;
      if (F.c[i] >= 0 && ctxLow(F.c[i]).indexOf(term) >= 0) continue;
      if (F.rc[i] >= 0 && ctxLow(F.rc[i]).indexOf(term) >= 0) continue;
      if (F.x[i] >= 0 && lowMsg[F.x[i]].indexOf(term) >= 0) continue;
      return false;
    }
    return true;
  }
  function compute() {
    var terms = state.q.toLowerCase().split(/\s+/).filter(Boolean);
    if (terms.length) lowered();
    var rec = state.rec.trim().toLowerCase();
    var recs = [], hits = [];
    for (var r = 0; r < nR; r++) {
      if (rec && R.id[r].toLowerCase().indexOf(rec) < 0) continue;
      var mine = null;
      for (var k = off[r]; k < off[r + 1]; k++) {
        var f = byRec[k];
        if (!state.sev[F.s[f]]) continue;
        if (state.rule >= 0 && F.u[f] !== state.rule) continue;
        if (state.newOnly && !(NEW && NEW[f])) continue;
        if (terms.length && !matchText(f, terms)) continue;
        (mine || (mine = [])).push(f);
      }
      if (mine) { recs.push(r); hits.push(mine); }
    }
    var order = recs.map(function (_, k) { return k; });
    if (state.sort === "severity") {
      order.sort(function (a, b) { var ra = recs[a], rb = recs[b]; return (recMax[rb] - recMax[ra]) || (recSev[rb * 3] - recSev[ra * 3]) || (hits[b].length - hits[a].length) || a - b; });
    } else if (state.sort === "count") {
      order.sort(function (a, b) { return (hits[b].length - hits[a].length) || a - b; });
    }
    var n = 0;
    hits.forEach(function (x) { n += x.length; });
    result = { recs: order.map(function (k) { return recs[k]; }), hits: order.map(function (k) { return hits[k]; }), n: n };
  }

  // ---- list view ----------------------------------------------------------------------------------
  var list = $("#list"), status = $("#status"), pagers = $$(".pager"), recview = $("#recview"), banner = $("#rule-banner");
  var cur = -1;
  function pages() { return Math.max(1, Math.ceil(result.recs.length / PAGE)); }
  function renderList(focusIdx) {
    var total = result.recs.length, p = Math.min(state.page, pages() - 1);
    state.page = p;
    var a = p * PAGE, b = Math.min(total, a + PAGE), frag = document.createDocumentFragment();
    for (var k = a; k < b; k++) {
      var r = result.recs[k], hits = result.hits[k];
      var shown = hits.length > PER_CARD + 2 ? hits.slice(0, PER_CARD) : hits;
      var art = h("article", { "class": "rec", "data-i": k, tabindex: "-1" }, recordHeader(r, "h3", true),
        h("ol", { "class": "flist" }, shown.map(function (f) { return findingItem(f, LW, LS, false); })));
      if (shown.length < hits.length) {
        art.append(h("p", { "class": "more rec-more" }, h("button", { type: "button", "class": "show-all", "data-i": k,
          text: "Show " + plural(hits.length - shown.length, "more finding") + " of this record here" })));
      }
      var others = off[r + 1] - off[r] - hits.length;
      if (others > 0) art.append(h("p", { "class": "more rec-more", text: "+ " + plural(others, "other finding") + " in this record, hidden by the filter (open the record to see all)" }));
      frag.append(art);
    }
    list.replaceChildren(frag);
    var filtered = state.q || state.rule >= 0 || state.rec || state.newOnly || !state.sev.every(Boolean);
    if (!total) {
      var why = filtered ? "No finding matches the filter." : "No findings.";
      if (state.rec && cleanSet[state.rec.trim()]) why = "Record " + state.rec.trim() + " was read and has no findings.";
      status.textContent = why;
    } else {
      status.textContent = "Records " + (a + 1).toLocaleString("en") + "–" + b.toLocaleString("en") + " of " + plural(total, "record") +
        " with " + plural(result.n, "finding") + (filtered ? " matching the filter" : "") + ".";
    }
    renderPagers();
    renderBanner();
    cur = -1;
    if (focusIdx !== undefined && focusIdx !== null) setCur(focusIdx, true);
  }
  function renderPagers() {
    var n = pages(), p = state.page;
    pagers.forEach(function (nav) {
      nav.hidden = n <= 1;
      if (n <= 1) { nav.replaceChildren(); return; }
      var kids = [h("button", { type: "button", "data-p": p - 1, disabled: p === 0, "aria-label": "Previous page", text: "‹ Prev" })];
      var want = [0, n - 1], q;
      for (q = p - 2; q <= p + 2; q++) if (q >= 0 && q < n) want.push(q);
      want = want.filter(function (v, k, arr) { return arr.indexOf(v) === k; }).sort(function (x, y) { return x - y; });
      var prev = -1;
      want.forEach(function (q2) {
        if (q2 - prev > 1) kids.push(h("span", { "class": "info", text: "…" }));
        kids.push(h("button", { type: "button", "data-p": q2, "aria-current": q2 === p ? "page" : null, "aria-label": "Page " + (q2 + 1), text: String(q2 + 1) }));
        prev = q2;
      });
      kids.push(h("button", { type: "button", "data-p": p + 1, disabled: p >= n - 1, "aria-label": "Next page", text: "Next ›" }));
      kids.push(h("span", { "class": "info", text: "page " + (p + 1) + " of " + n }));
      nav.replaceChildren.apply(nav, kids);
    });
  }
  function renderBanner() {
    if (state.rule < 0) { banner.hidden = true; banner.replaceChildren(); return; }
    var rl = RULES[state.rule];
    banner.replaceChildren(
      h("h3", null, h("code", { text: rl[0] }), " ", sevBadge(rl[1]), rl[2] ? h("span", { "class": "cat", text: " " + rl[2] }) : null),
      h("p", { text: rl[3] }),
      h("p", null, h("a", { href: "#rule-" + rl[0], text: "Why it matters and how to fix it" }), " · ",
        h("button", { type: "button", "class": "csv-rule", "data-rule": rl[0], text: "Download all findings of this rule as CSV" })));
    banner.hidden = false;
  }
  function setCur(k, scroll) {
    var arts = $$(".rec", list);
    if (!arts.length) return;
    k = Math.max(0, Math.min(arts.length - 1, k));
    arts.forEach(function (el) { el.classList.remove("cur"); });
    cur = k;
    arts[k].classList.add("cur");
    if (scroll) { arts[k].focus({ preventScroll: true }); arts[k].scrollIntoView({ block: "start" }); }
  }
  function gotoPage(p, focusFirst) {
    state.page = Math.max(0, Math.min(pages() - 1, p));
    renderList(focusFirst ? 0 : undefined);
    if (!focusFirst) $("#findings").scrollIntoView({ block: "start" });
  }
  function update() {
    state.page = 0;
    compute();
    if (!recview.hidden) { // a filter changed while a record was open: back to the list
      closeRecord(true);
      fromList = false;
      history.replaceState(null, "", "#findings");
    }
    renderList();
  }

  // ---- record view -----------------------------------------------------------------------------
  var openIdx = -1, listScroll = 0;
  function openRecord(id) {
    var r = idIndex[id];
    if (r === undefined) return false;
    if (recview.hidden) listScroll = window.scrollY;
    var pos = result.recs.indexOf(r);
    openIdx = pos;
    var rec = h("article", { "class": "rec" }, recordHeader(r, "h3", false, true));
    var link = registryLink(id);
    var dl = h("dl", { "class": "keyfields" });
    function kv(k, v) { if (v) dl.append(h("dt", { text: k }), h("dd", null, v)); }
    kv("Registry page", link ? h("a", { "class": "ext", href: link[0], rel: "noopener noreferrer", target: "_blank", text: link[0] }) : "");
    kv("Status", str(R.st[r]));
    kv("Study type", str(R.ty[r]));
    kv("Phase", str(R.ph[r]));
    kv("Allocation", str(R.al[r]));
    kv("Intervention model", str(R.im[r]));
    kv("Masking", str(R.mk[r]));
    kv("Start date", str(R.sd[r]));
    kv("Registry", str(R.rg[r]));
    kv("Source", str(R.sp[r]));
    rec.append(dl);
    var groups = [], byField = Object.create(null);
    for (var k = off[r]; k < off[r + 1]; k++) {
      var f = byRec[k], key = F.fl[f];
      if (!(key in byField)) { byField[key] = groups.length; groups.push([key, []]); }
      groups[byField[key]][1].push(f);
    }
    groups.forEach(function (g) {
      rec.append(h("section", { "class": "fgroup" },
        h("h4", { text: g[0] >= 0 ? S[g[0]] : "record" }),
        h("ol", { "class": "flist" }, g[1].map(function (f) { return findingItem(f, 400, 4000, false); }))));
    });
    var total = result.recs.length;
    var back = h("div", { "class": "back" },
      h("button", { type: "button", id: "back", text: "← Back to the list" }),
      pos >= 0 ? h("button", { type: "button", id: "prev-rec", disabled: pos === 0, text: "‹ Previous record" }) : null,
      pos >= 0 ? h("button", { type: "button", id: "next-rec", disabled: pos >= total - 1, text: "Next record ›" }) : null,
      h("span", { "class": "pos", text: pos >= 0 ? "Record " + (pos + 1).toLocaleString("en") + " of " + total.toLocaleString("en") + " in the list" : "(not in the filtered list)" }));
    recview.replaceChildren(back, rec);
    recview.hidden = false;
    list.hidden = true; banner.hidden = true;
    pagers.forEach(function (p) { p.hidden = true; });
    status.textContent = "Record " + id + ": " + plural(off[r + 1] - off[r], "finding") + ".";
    document.title = id + " — " + baseTitle;
    recview.scrollIntoView({ block: "start" });
    recview.focus({ preventScroll: true });
    // bring each highlighted span into its (scrollable) text box
    $$(".ctx", recview).forEach(function (bq) {
      var m = $("mark", bq);
      if (m && bq.scrollHeight > bq.clientHeight) bq.scrollTop = Math.max(0, m.offsetTop - bq.offsetTop - 48);
    });
    return true;
  }
  function closeRecord(silent) {
    recview.hidden = true;
    recview.replaceChildren();
    list.hidden = false;
    document.title = baseTitle;
    if (silent) return;
    var page = openIdx >= 0 ? Math.floor(openIdx / PAGE) : state.page;
    var focus = openIdx >= 0 ? openIdx % PAGE : null;
    state.page = page;
    renderList(null);
    if (focus !== null) { setCur(focus, false); var arts = $$(".rec", list); if (arts[focus]) { arts[focus].focus({ preventScroll: true }); arts[focus].scrollIntoView({ block: "center" }); } }
    else window.scrollTo(0, listScroll);
  }
  function stepRecord(d) {
    var k = openIdx + d;
    if (openIdx < 0 || k < 0 || k >= result.recs.length) return;
    location.replace("#record=" + encodeURIComponent(R.id[result.recs[k]])); // Back still leads to the list
  }
  var fromList = false; // the open record was reached from the list: Back returns there
  function route(ev) {
    var m = /^#record=(.*)$/.exec(location.hash);
    if (m) {
      var id, wasList = recview.hidden;
      try { id = decodeURIComponent(m[1]); } catch (e) { id = ""; }
      if (openRecord(id)) { if (wasList) fromList = !!ev; return; }
    }
    if (!recview.hidden) closeRecord(false);
  }

  // ---- CSV ------------------------------------------------------------------------------------------
  function csvCell(v) {
    v = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(v)) v = "'" + v; // no formulas from record text in a spreadsheet
    return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function excerpt(i) {
    if (F.c[i] < 0) return F.x[i] >= 0 ? M[F.x[i]] : "";
    return pieces(F.c[i], F.a[i], endOf(i), 60, 240).map(function (p) { return p[1]; }).join("").split(/\s+/).join(" ").trim();
  }
  function downloadCsv(findingIdx, name) {
    var cols = ["record", "rule", "severity", "field", "start", "end", "message", "excerpt", "path", "line", "column", "pointer", "related_field", "related_start", "related_end"];
    if (NEW) cols.push("new");
    var lines = [cols.join(",")];
    findingIdx.forEach(function (f) {
      var n = function (v) { return v >= 0 ? v : ""; };
      lines.push([R.id[F.r[f]], F.u[f] >= 0 ? RULES[F.u[f]][0] : "", SEV[F.s[f]], str(F.fl[f]), n(F.a[f]), n(F.b[f]), M[F.m[f]], excerpt(f),
        F.sp[f] === -2 ? str(R.sp[F.r[f]]) : str(F.sp[f]), n(F.ln[f]), n(F.co[f]), str(F.pt[f]), str(F.rf[f]), n(F.ra[f]), n(F.rb[f])].concat(NEW ? [NEW[f] ? "yes" : "no"] : []).map(csvCell).join(","));
    });
    var blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    var a = h("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  // JSON: the findings' objects of `trialint check --format json`, plus the filter that chose them
  function findingJson(f) {
    var n = function (v) { return v >= 0 ? v : null; };
    var o = {
      record: R.id[F.r[f]], rule: F.u[f] >= 0 ? RULES[F.u[f]][0] : "", severity: SEV[F.s[f]],
      field: str(F.fl[f]) || null, start: n(F.a[f]), end: n(F.b[f]), message: M[F.m[f]], excerpt: excerpt(f),
      source: { path: (F.sp[f] === -2 ? str(R.sp[F.r[f]]) : str(F.sp[f])) || null, line: n(F.ln[f]), column: n(F.co[f]), pointer: str(F.pt[f]) || null }
    };
    if (F.rf[f] >= 0) o.related = { field: S[F.rf[f]], start: n(F.ra[f]), end: n(F.rb[f]) };
    if (NEW) o["new"] = !!NEW[f];
    return o;
  }
  function downloadJson(findingIdx, name, filter) {
    var doc = { tool: { name: "trialint", version: D.version }, filter: filter, count: findingIdx.length,
      findings: findingIdx.map(findingJson) };
    var blob = new Blob([JSON.stringify(doc, null, 2) + "\n"], { type: "application/json;charset=utf-8" });
    var a = h("a", { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }
  function filterState() {
    return { search: state.q || null, rule: state.rule >= 0 ? RULES[state.rule][0] : null, record: state.rec || null,
      severities: SEV.filter(function (_, k) { return state.sev[k]; }), newOnly: state.newOnly };
  }
  function ruleFindings(rid) {
    var u = ruleIndex[rid], out = [];
    for (var k = 0; k < nF; k++) if (F.u[k] === u) out.push(k);
    return out;
  }
  function filteredFindings() {
    var out = [];
    result.hits.forEach(function (x) { out.push.apply(out, x); });
    return out;
  }

  // ---- sortable tables -------------------------------------------------------------------------
  function sortable(table) {
    var ths = $$("thead th", table);
    ths.forEach(function (th, col) {
      var btn = h("button", { type: "button", "class": "sort" });
      while (th.firstChild) btn.append(th.firstChild);
      th.append(btn);
      btn.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending" && (th.dataset.type === "text" || th.getAttribute("aria-sort") === "descending");
        ths.forEach(function (o) { o.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        var num = th.dataset.type !== "text";
        rows.sort(function (x, y) {
          var a = x.cells[col].dataset.v, b = y.cells[col].dataset.v, c;
          c = num ? (parseFloat(a) - parseFloat(b)) : String(a).localeCompare(String(b));
          return asc ? c : -c;
        });
        body.replaceChildren.apply(body, rows);
      });
    });
  }

  // ---- wiring --------------------------------------------------------------------------------------
  var baseTitle = document.title;
  $$(".js-only").forEach(function (el) { el.hidden = false; });
  $$("table.sortable").forEach(sortable);
  var sel = $("#f-rule");
  RULES.forEach(function (rl, k) {
    var n = 0;
    for (var q = 0; q < nF; q++) if (F.u[q] === k) n++;
    if (n) sel.append(h("option", { value: String(k), text: rl[0] + " (" + n.toLocaleString("en") + ", " + rl[1] + ")" }));
  });
  var qInput = $("#q"), recInput = $("#f-rec"), timer = 0;
  qInput.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { state.q = qInput.value; update(); }, 150); });
  recInput.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { state.rec = recInput.value; update(); }, 150); });
  sel.addEventListener("change", function () { state.rule = sel.value === "" ? -1 : +sel.value; update(); });
  $("#f-sort").addEventListener("change", function (ev) { state.sort = ev.target.value; update(); });
  $$('.filters input[name="sev"]').forEach(function (cb, k) {
    cb.addEventListener("change", function () { state.sev[k] = cb.checked; update(); });
  });
  $("#filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
  $("#reset").addEventListener("click", function () {
    state.q = ""; state.rec = ""; state.rule = -1; state.sev = [true, true, true]; state.newOnly = false;
    qInput.value = ""; recInput.value = ""; sel.value = "";
    if (newBox) newBox.checked = false;
    $$('.filters input[name="sev"]').forEach(function (cb) { cb.checked = true; });
    update();
  });
  $("#csv").addEventListener("click", function () { downloadCsv(filteredFindings(), "trialint-findings.csv"); });
  $("#json").addEventListener("click", function () { downloadJson(filteredFindings(), "trialint-findings.json", filterState()); });
  var newBox = $("#f-new");
  if (newBox) newBox.addEventListener("change", function () { state.newOnly = newBox.checked; update(); });
  document.addEventListener("click", function (ev) {
    var t = ev.target.closest ? ev.target.closest("button") : null;
    if (!t) return;
    if (t.classList.contains("csv-rule")) downloadCsv(ruleFindings(t.dataset.rule), "trialint-" + t.dataset.rule + ".csv");
    else if (t.classList.contains("json-rule")) downloadJson(ruleFindings(t.dataset.rule), "trialint-" + t.dataset.rule + ".json", { rule: t.dataset.rule });
    else if (t.classList.contains("show-rule")) {
      var u = ruleIndex[t.dataset.rule];
      if (u === undefined) return;
      sel.value = String(u); state.rule = u; update();
      $("#findings").scrollIntoView({ block: "start" });
    } else if (t.dataset.p !== undefined && t.closest(".pager")) gotoPage(+t.dataset.p, false);
    else if (t.id === "back") { if (fromList) history.back(); else location.hash = "#findings"; }
    else if (t.classList.contains("show-all")) {
      var k = +t.dataset.i, art = t.closest(".rec");
      art.querySelector(".flist").replaceChildren.apply(art.querySelector(".flist"),
        result.hits[k].map(function (f) { return findingItem(f, LW, LS, false); }));
      t.parentNode.remove();
    }
    else if (t.id === "prev-rec") stepRecord(-1);
    else if (t.id === "next-rec") stepRecord(1);
    else if (t.id === "help-close") toggleHelp(false);
  });
  list.addEventListener("click", function (ev) {
    var art = ev.target.closest ? ev.target.closest(".rec") : null;
    if (art && list.contains(art)) { var k = $$(".rec", list).indexOf(art); if (k >= 0 && k !== cur) setCur(k, false); }
  });
  var help = $("#help");
  function toggleHelp(on) { help.hidden = !on; if (on) $("#help-close").focus(); }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var tag = ev.target.tagName, typing = tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
    if (ev.key === "Escape") {
      if (!help.hidden) { toggleHelp(false); return; }
      if (typing) { ev.target.blur(); return; }
      if (!recview.hidden) { ev.preventDefault(); $("#back").click(); }
      return;
    }
    if (typing) return;
    var inRecord = !recview.hidden;
    switch (ev.key) {
      case "/": ev.preventDefault(); qInput.focus(); qInput.select(); break;
      case "?": toggleHelp(help.hidden); break;
      case "j": if (inRecord) stepRecord(1); else if (cur + 1 >= $$(".rec", list).length && state.page < pages() - 1) gotoPage(state.page + 1, true); else setCur(cur + 1, true); break;
      case "k": if (inRecord) stepRecord(-1); else if (cur <= 0 && state.page > 0) { gotoPage(state.page - 1, false); setCur(PAGE - 1, true); } else setCur(cur - 1, true); break;
      case "n": if (!inRecord) gotoPage(state.page + 1, true); break;
      case "p": if (!inRecord) gotoPage(state.page - 1, true); break;
      case "u": if (inRecord) $("#back").click(); break;
      case "o": case "Enter":
        if (!inRecord && cur >= 0 && tag !== "A" && tag !== "BUTTON") {
          ev.preventDefault();
          location.hash = "#record=" + encodeURIComponent(R.id[result.recs[state.page * PAGE + cur]]);
        }
        break;
      case "1": case "2": case "3":
        var cb = $$('.filters input[name="sev"]')[+ev.key - 1];
        cb.checked = !cb.checked; state.sev[+ev.key - 1] = cb.checked; update(); break;
      default: return;
    }
  });
  window.addEventListener("hashchange", route);
  window.addEventListener("beforeprint", function () { $$("details").forEach(function (d) { if (!d.open) { d.dataset.printOpened = "1"; d.open = true; } }); });
  window.addEventListener("afterprint", function () { $$("details[data-print-opened]").forEach(function (d) { d.open = false; delete d.dataset.printOpened; }); });

  compute();
  renderList();
  route();
  var ms = performance.now() - t0;
  document.documentElement.setAttribute("data-ready", "1");
  marks.ready = ms;
  window.trialintReport = { readyMs: ms, findings: nF, records: nR, marks: marks };
  }
})();
