// qiao search page: sends the query to the search worker as the reader types, shows the
// hits and facet counts, and keeps the query in the URL (?q=) so results can be shared
// and the back button works.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("search-config").textContent);
  const form = document.getElementById("search-form");
  const input = document.getElementById("search-input");
  const results = document.getElementById("search-results");
  const facets = document.getElementById("search-facets");
  const status = document.getElementById("search-status");
  const more = document.getElementById("search-more");
  const strings = config.strings;
  const FILTERS = [
    ["alliance", "alliances", "alliances_title", config.alliances],
    ["country", "countries", "countries_title", config.countries],
    ["year", "years", "years_title", null],
  ];
  const dateFormat = new Intl.DateTimeFormat(config.lang === "zh" ? "zh-CN" : "en-GB", {
    year: "numeric", month: "long", day: "numeric", timeZone: "UTC",
  });

  let state = fromUrl();
  let sequence = 0;
  let failed = false;
  let timer = null;
  // Hits asked for: each shown hit costs a doc store read, so a page starts with a few
  // and the reader asks for more.
  const PAGE = 10;
  // The searcher's cap (qiao_search::engine::MAX_LIMIT).
  const MAX_LIMIT = 100;
  let limit = PAGE;

  const worker = new Worker(config.worker);
  worker.postMessage({ type: "init", manifest: config.manifest });
  worker.onmessage = (event) => {
    const m = event.data;
    if (m.type === "error") return showError(m.message, m.kind);
    if (m.type === "result" && m.id === sequence) render(m.response);
  };
  worker.onerror = (event) => showError(event.message || "worker failed");

  function fromUrl() {
    const p = new URLSearchParams(location.search);
    return { q: p.get("q") || "", alliance: p.get("alliance"), country: p.get("country"), year: p.get("year") };
  }

  function toUrl(push) {
    const p = new URLSearchParams();
    if (state.q) p.set("q", state.q);
    for (const [key] of FILTERS) if (state[key]) p.set(key, state[key]);
    const url = location.pathname + (p.toString() ? "?" + p : "");
    if (url === location.pathname + location.search) return;
    if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
  }

  function showError(message, kind) {
    failed = true;
    more.hidden = true;
    status.textContent = "";
    results.innerHTML = "";
    const p = document.createElement("p");
    p.className = "notice search-error";
    p.setAttribute("role", "alert");
    p.textContent = kind === "damaged" ? strings.search_damaged : strings.search_error;
    p.title = message;
    results.appendChild(p);
  }

  function run(keepLimit) {
    if (failed) return;
    sequence += 1;
    if (!keepLimit) limit = PAGE;
    more.hidden = true;
    if (!state.q.trim()) {
      results.innerHTML = "";
      facets.innerHTML = "";
      status.textContent = "";
      return;
    }
    status.textContent = strings.search_loading;
    worker.postMessage({
      type: "search",
      id: sequence,
      request: { query: state.q, lang: config.lang, alliance: state.alliance, country: state.country, year: state.year, limit },
    });
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function render(response) {
    status.textContent = response.total === 0 ? strings.search_none
      : response.total === 1 ? strings.search_one_result
      : strings.search_results.replace("{n}", response.total);
    results.innerHTML = "";
    // Notes on how the query was read: cut at the length limit, misspelt words replaced.
    if (response.truncated) results.appendChild(el("p", "notice search-note search-truncated", strings.search_truncated));
    if (response.corrected) {
      const note = el("p", "notice search-note search-corrected");
      const [before, after] = strings.search_corrected.split("{q}");
      note.appendChild(document.createTextNode(before));
      note.appendChild(el("strong", null, response.corrected));
      note.appendChild(document.createTextNode(after || ""));
      results.appendChild(note);
    }
    const list = el("ol", "search-hits");
    for (const hit of response.hits) {
      const item = el("li", "search-hit");
      const heading = el("h2", "search-hit-title");
      const link = el("a", null, hit.title);
      link.href = hit.url;
      heading.appendChild(link);
      item.appendChild(heading);
      const meta = el("p", "search-hit-meta");
      const time = el("time", null, dateFormat.format(new Date(hit.date + "T00:00:00Z")));
      time.dateTime = hit.date;
      meta.appendChild(time);
      const terms = hit.alliances.map((k) => config.alliances[k] || k)
        .concat(hit.countries.map((c) => config.countries[c] || c));
      if (terms.length) meta.appendChild(document.createTextNode(" · " + terms.join(" · ")));
      item.appendChild(meta);
      // The snippet is HTML made by the searcher: escaped text with <mark> around matches.
      const snippet = el("p", "search-hit-snippet");
      snippet.innerHTML = hit.snippet;
      item.appendChild(snippet);
      list.appendChild(item);
    }
    results.appendChild(list);
    more.hidden = response.hits.length >= response.total || limit >= MAX_LIMIT;
    renderFacets(response.facets);
  }

  function renderFacets(counts) {
    facets.innerHTML = "";
    for (const [key, plural, label, names] of FILTERS) {
      const values = Object.entries(counts[plural] || {});
      if (!values.length && !state[key]) continue;
      values.sort((a, b) => b[1] - a[1] || (key === "year" ? b[0].localeCompare(a[0]) : a[0].localeCompare(b[0])));
      const section = el("section", "facet");
      section.appendChild(el("h2", null, strings[label]));
      const ul = el("ul");
      for (const [value, n] of values) {
        const li = el("li");
        const button = el("button", "facet-button");
        button.type = "button";
        button.dataset.facet = key;
        button.dataset.value = value;
        button.setAttribute("aria-pressed", String(state[key] === value));
        button.appendChild(el("span", "facet-name", names ? names[value] || value : value));
        button.appendChild(el("span", "facet-count", String(n)));
        button.addEventListener("click", () => {
          state[key] = state[key] === value ? null : value;
          toUrl(true);
          run();
        });
        li.appendChild(button);
        ul.appendChild(li);
      }
      section.appendChild(ul);
      facets.appendChild(section);
    }
    if (FILTERS.some(([key]) => state[key])) {
      const clear = el("button", "facet-clear", strings.search_clear);
      clear.type = "button";
      clear.addEventListener("click", () => {
        for (const [key] of FILTERS) state[key] = null;
        toUrl(true);
        run();
      });
      facets.appendChild(clear);
    }
  }

  more.addEventListener("click", () => {
    limit = Math.min(limit + PAGE * 2, MAX_LIMIT);
    run(true);
  });
  input.value = state.q;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.q = input.value;
      toUrl(false);
      run();
    }, 200);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    state.q = input.value;
    toUrl(true);
    run();
  });
  window.addEventListener("popstate", () => {
    state = fromUrl();
    input.value = state.q;
    run();
  });
  run();
})();
