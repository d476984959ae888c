/* reports/index.html: inlined by conformance/reporting/matrix.py. The filters live in the
   URL fragment (#target=moto,ministack&category=wire&outcome=failed&view=differs&q=signup),
   so a filtered view can be linked to, and the self-test can apply one without clicks;
   #open=<check id> opens that row's cells and scrolls to it.
   Without JS every row stays visible. */
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var targets = JSON.parse(document.getElementById("targets").textContent);
  var GROUPS = {
    "unexpected": ["failed", "error", "unexpected-pass"],
    "not-passed": ["failed", "error", "unexpected-pass", "expected-failure", "unsupported", "not-run"]
  };

  function parse() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ""));
    var t = p.get("target");
    var chosen = t ? t.split(",").filter(function (x) { return targets.indexOf(x) >= 0; }) : [];
    return {
      target: chosen.length ? chosen : targets.slice(),
      category: p.get("category") || "",
      outcome: p.get("outcome") || "",
      view: p.get("view") || "",
      q: (p.get("q") || "").toLowerCase(),
      open: (p.get("open") || "").toLowerCase()
    };
  }

  function fromForm() {
    var chosen = [];
    form.querySelectorAll("input[name=target]").forEach(function (box) {
      if (box.checked) chosen.push(box.value);
    });
    return {
      target: chosen, category: form.category.value, outcome: form.outcome.value,
      view: form.view.value, q: form.q.value.trim().toLowerCase()
    };
  }

  function toHash(s) {
    var p = new URLSearchParams();
    if (s.target.length && s.target.length < targets.length) p.set("target", s.target.join(","));
    ["category", "outcome", "view", "q"].forEach(function (k) { if (s[k]) p.set(k, s[k]); });
    return p.toString();
  }

  function outcomeMatches(cells, want) {
    if (!want) return true;
    var set = GROUPS[want] || [want];
    for (var i = 0; i < cells.length; i++) {
      if (!cells[i].hidden && set.indexOf(cells[i].getAttribute("data-o")) >= 0) return true;
    }
    return false;
  }

  function apply(s) {
    form.querySelectorAll("input[name=target]").forEach(function (box) {
      box.checked = s.target.indexOf(box.value) >= 0;
    });
    form.category.value = s.category;
    form.outcome.value = s.outcome;
    form.view.value = s.view;
    if (form.q.value.trim().toLowerCase() !== s.q) form.q.value = s.q;
    targets.forEach(function (name, i) {
      var hide = s.target.indexOf(name) < 0;
      document.querySelectorAll(".t" + i).forEach(function (el) { el.hidden = hide; });
    });
    var shown = 0, total = 0;
    document.querySelectorAll("table.checks tbody").forEach(function (body) {
      var any = false;
      body.querySelectorAll("tr.chk").forEach(function (row) {
        total++;
        var ok = (!s.category || row.getAttribute("data-cat") === s.category)
          && (!s.q || row.getAttribute("data-id").indexOf(s.q) >= 0)
          && (!s.view || (s.view === "differs" ? row.getAttribute("data-differs") === "1"
                                             : "only-" + row.getAttribute("data-only") === s.view))
          && outcomeMatches(row.querySelectorAll("td.o"), s.outcome);
        row.hidden = !ok;
        if (ok) { shown++; any = true; }
      });
      body.hidden = !any;
    });
    var obsShown = 0;
    document.querySelectorAll("table.obs tr.ob").forEach(function (row) {
      var ok = (!s.q || row.getAttribute("data-id").indexOf(s.q) >= 0)
        && (s.view !== "differs" || row.getAttribute("data-differs") === "1");
      row.hidden = !ok;
      if (ok) obsShown++;
    });
    document.getElementById("shown").textContent =
      shown + " of " + total + " checks, " + obsShown + " observations shown";
    document.querySelectorAll("table.grid tr[data-cat]").forEach(function (row) {
      row.classList.toggle("current", s.category === row.getAttribute("data-cat"));
    });
    if (s.open) {
      document.querySelectorAll("tr.chk, tr.ob").forEach(function (row) {
        if (row.getAttribute("data-id") !== s.open) return;
        row.hidden = false;
        row.parentElement.hidden = false;
        row.querySelectorAll("details").forEach(function (d) { d.open = true; });
        row.scrollIntoView({block: "center"});
      });
    }
  }

  function syncBar() {
    var bar = document.getElementById("bar");
    document.documentElement.style.setProperty("--bar", bar.offsetHeight + "px");
  }

  form.hidden = false;
  form.addEventListener("input", function () {
    var h = toHash(fromForm());
    history.replaceState(null, "", h ? "#" + h : location.pathname + location.search);
    apply(parse());
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  window.addEventListener("hashchange", function () { apply(parse()); });
  window.addEventListener("resize", syncBar);
  syncBar();
  apply(parse());
  document.documentElement.setAttribute("data-filters", "applied");
})();
