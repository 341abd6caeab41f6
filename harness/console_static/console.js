// The console page: a chat beside the state machine's graph (harness/console.py serves it and its API).
// Every text that comes from the user, the model, the records or the server is set with textContent;
// the only markup inserted is the SVG Mermaid draws from the graph's text (state names only), with
// securityLevel "strict".
"use strict";

(() => {
  const page = {
    info: null,
    sessionId: null,
    turns: [],
    shown: null,
    drawings: 0,
  };

  const byId = (id) => document.getElementById(id);

  function element(tag, text, className) {
    const made = document.createElement(tag);
    if (text !== undefined && text !== null) made.textContent = String(text);
    if (className) made.className = className;
    return made;
  }

  async function call(path, body) {
    const options = body === undefined
      ? {}
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
    let response;
    try {
      response = await fetch(path, options);
    } catch (error) {
      throw new Error("the console is not answering: is agent console still running?");
    }
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) throw new Error((data && data.error) || `the console answered ${response.status}`);
    return data;
  }

  function notify(text) {
    byId("notice").textContent = text || "";
  }

  function busy(yes) {
    byId("question").disabled = yes || !page.info.chat;
    byId("ask").disabled = yes || !page.info.chat;
    byId("new-conversation").disabled = yes || !page.info.chat;
  }

  // ------------------------------------------------------------ the graph

  function stateOf(node, svgId) {
    // Mermaid names a node's group SVGID-flowchart-NAME-N, and a subgraph's group SVGID-NAME.
    const id = node.id.startsWith(`${svgId}-`) ? node.id.slice(svgId.length + 1) : node.id;
    if (node.classList.contains("cluster")) return id;
    const match = /^flowchart-(.+)-\d+$/.exec(id);
    return match ? match[1] : null;
  }

  function markStates(svg, turn) {
    const order = new Map();
    (turn ? turn.steps : []).forEach((step) => {
      if (!order.has(step.name)) order.set(step.name, []);
      order.get(step.name).push(step.number);
    });
    svg.querySelectorAll("g.node, g.cluster").forEach((node) => {
      const name = stateOf(node, svg.id);
      if (!name || name === "start") return;
      node.dataset.state = name;
      node.setAttribute("tabindex", "0");
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", `state ${name}`);
      node.addEventListener("click", () => showState(name));
      node.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") showState(name);
      });
      if (order.has(name)) {
        node.classList.add("entered");
        badge(node, order.get(name));
      }
    });
  }

  function badge(node, numbers) {
    const svgNs = "http://www.w3.org/2000/svg";
    const box = node.getBBox();
    const text = document.createElementNS(svgNs, "text");
    text.setAttribute("class", "order");
    text.setAttribute("x", String(box.x + box.width + 4));
    text.setAttribute("y", String(box.y + 4));
    text.textContent = numbers.join(",");
    const title = document.createElementNS(svgNs, "title");
    title.textContent = `entered as step ${numbers.join(", ")}`;
    node.appendChild(text);
    node.appendChild(title);
  }

  async function draw(text, turn) {
    page.drawings += 1;
    const { svg } = await window.mermaid.render(`graph-svg-${page.drawings}`, text);
    const parsed = new DOMParser().parseFromString(svg, "image/svg+xml").documentElement;
    const holder = byId("graph");
    holder.replaceChildren(document.importNode(parsed, true));
    markStates(holder.querySelector("svg"), turn);
    holder.dataset.turn = turn ? String(turn.index) : "0";
    fitGraph();
  }

  // The graph fits the pane (an overview) or is shown at its own size, scrolled (readable labels).
  // Mermaid gives the drawing width="100%" and an inline max-width: both are set here, per drawing.
  function fitGraph() {
    const svg = byId("graph").querySelector("svg");
    if (!svg) return;
    const natural = byId("graph").classList.contains("natural");
    const width = svg.viewBox && svg.viewBox.baseVal ? svg.viewBox.baseVal.width : 0;
    if (natural && width) {
      svg.setAttribute("width", String(width));
      svg.style.width = `${width}px`;
      svg.style.maxWidth = "none";
      svg.style.maxHeight = "none";
    } else {
      svg.setAttribute("width", "100%");
      svg.style.width = "";
      svg.style.maxWidth = "100%";
      svg.style.maxHeight = "";
    }
  }

  // ------------------------------------------------------------ a turn

  function describe(turn) {
    const parts = [turn.outcome];
    if (turn.iterations !== null && turn.iterations !== undefined) parts.push(`${turn.iterations} iteration(s)`);
    parts.push(`${turn.llm_calls === null || turn.llm_calls === undefined ? "n/a" : turn.llm_calls} model call(s)`);
    const tools = (turn.tools || []).map((tool) => {
      const args = Object.values(tool.args || {}).join(", ");
      return args ? `${tool.name}(${args}) ${tool.status}` : `${tool.name} ${tool.status}`;
    });
    parts.push(`tools: ${tools.length ? tools.join(", ") : "none"}`);
    if (turn.elapsed_ms !== null && turn.elapsed_ms !== undefined) parts.push(`${turn.elapsed_ms} ms`);
    const ledger = turn.ledger;
    if (ledger && typeof ledger.cost_usd === "number") {
      parts.push(`~$${ledger.cost_usd.toFixed(6)}${ledger.model_priced ? "" : " (model not priced)"}`);
    } else {
      parts.push("cost n/a");
    }
    return parts.join(" · ");
  }

  function addTurn(turn) {
    turn.index = page.turns.length + 1;
    page.turns.push(turn);
    const messages = byId("messages");
    messages.appendChild(element("li", turn.question, "user"));
    const reply = element("li", undefined, "agent");
    reply.appendChild(element("p", turn.answer, "answer"));
    reply.appendChild(element("p", describe(turn), "meta"));
    (turn.failures || []).forEach((failure) => reply.appendChild(element("p", failure, "failure")));
    reply.dataset.turn = String(turn.index);
    reply.dataset.outcome = turn.outcome;
    reply.title = "show this turn's path";
    reply.addEventListener("click", () => showTurn(turn));
    messages.appendChild(reply);
    reply.scrollIntoView({ block: "end" });
    return turn;
  }

  async function showTurn(turn) {
    page.shown = turn;
    document.querySelectorAll("#messages li.agent").forEach((item) => {
      item.classList.toggle("selected", item.dataset.turn === String(turn.index));
    });
    byId("turn-summary").textContent = `Turn ${turn.index}: ${describe(turn)}`;
    const path = byId("path");
    path.replaceChildren();
    turn.steps.forEach((step) => {
      const item = element("li");
      const button = element("button", stepLabel(step));
      button.type = "button";
      button.dataset.state = step.name;
      button.addEventListener("click", () => showState(step.name));
      item.appendChild(button);
      path.appendChild(item);
    });
    if (!turn.steps.length) path.appendChild(element("li", "no execution ran for this turn", "muted"));
    byId("state-detail").hidden = true;
    await draw(turn.graph, turn);
  }

  function stepLabel(step) {
    const where = step.iteration === null || step.iteration === undefined ? "" : ` [${step.iteration}]`;
    const took = step.duration_ms === null || step.duration_ms === undefined ? "" : `, ${step.duration_ms} ms`;
    return `${step.name}${where} (${step.type}${took})`;
  }

  // ------------------------------------------------------------ a state's input and output

  function json(value) {
    return value === null || value === undefined ? "(not logged)" : JSON.stringify(value, null, 2);
  }

  function section(title, value) {
    const part = element("div", undefined, "io");
    part.appendChild(element("h4", title));
    part.appendChild(element("pre", json(value)));
    return part;
  }

  function showState(name) {
    const detail = byId("state-detail");
    const entries = byId("state-entries");
    byId("state-name").textContent = name;
    entries.replaceChildren();
    const turn = page.shown;
    const taken = turn ? turn.steps.filter((step) => step.name === name) : [];
    if (!taken.length) {
      entries.appendChild(element("p", turn ? "Not entered in this turn." : "Ask a question first.", "muted"));
    }
    taken.forEach((step) => {
      const entry = element("div", undefined, "entry");
      entry.dataset.step = String(step.number);
      entry.appendChild(element("h3", `Step ${step.number}: ${stepLabel(step)}`));
      if (step.attempts > 1) entry.appendChild(element("p", `${step.attempts} attempts`, "muted"));
      entry.appendChild(section("Input", step.input));
      entry.appendChild(section("Output", step.output));
      if (step.type === "Task") {
        entry.appendChild(section("Lambda payload", step.payload));
        entry.appendChild(section("Lambda result", step.returned));
      }
      step.failures.forEach((failure) => entry.appendChild(element("p", `${failure.error}: ${failure.cause}`, "failure")));
      entries.appendChild(entry);
    });
    document.querySelectorAll("#graph [data-state]").forEach((node) => {
      node.classList.toggle("chosen", node.dataset.state === name);
    });
    detail.hidden = false;
  }

  // ------------------------------------------------------------ the session

  function showAttributes(attributes) {
    const names = page.info.attribute_names;
    const rows = byId("attributes").tBodies[0];
    rows.replaceChildren();
    const keys = [names.memory, names.signature, names.handoff, names.handoff_reason];
    Object.keys(attributes).forEach((key) => {
      if (!keys.includes(key)) keys.push(key);
    });
    keys.forEach((key) => {
      const row = element("tr");
      row.dataset.attribute = key;
      row.appendChild(element("th", key));
      const cell = element("td");
      cell.appendChild(element("pre", attributeText(key, attributes[key])));
      row.appendChild(cell);
      rows.appendChild(row);
    });
  }

  function attributeText(key, value) {
    if (value === undefined) return "(not set)";
    if (key === page.info.attribute_names.memory) {
      try {
        return JSON.stringify(JSON.parse(value), null, 2);
      } catch (error) {
        return String(value);
      }
    }
    return String(value);
  }

  async function newConversation() {
    busy(true);
    try {
      const session = await call("/api/sessions", {});
      page.sessionId = session.session_id;
      page.turns = [];
      page.shown = null;
      byId("messages").replaceChildren();
      byId("path").replaceChildren();
      byId("state-detail").hidden = true;
      byId("turn-summary").textContent = "A new conversation: nothing remembered yet.";
      showAttributes(session.attributes);
      await draw(page.info.graph, null);
      notify("");
    } catch (error) {
      notify(`Could not start a conversation: ${error.message}`);
    } finally {
      busy(false);
    }
    byId("question").focus();
  }

  async function ask(event) {
    event.preventDefault();
    const input = byId("question");
    const question = input.value;
    if (!question.trim()) {
      notify("Type a question first.");
      return;
    }
    busy(true);
    notify("Running the turn…");
    try {
      const result = await call("/api/ask", { session_id: page.sessionId, question });
      input.value = "";
      showAttributes(result.attributes);
      await showTurn(addTurn(result.turn));
      notify("");
    } catch (error) {
      notify(`Not answered: ${error.message}`);
    } finally {
      busy(false);
      input.focus();
    }
  }

  async function start() {
    try {
      page.info = await call("/api/info");
    } catch (error) {
      notify(error.message);
      return;
    }
    window.mermaid.initialize({
      startOnLoad: false,
      securityLevel: "strict",
      theme: "default",
      look: "classic",
      htmlLabels: false,
      flowchart: { htmlLabels: false, useMaxWidth: true, wrappingWidth: 400 },
    });
    byId("target").textContent = page.info.label;
    byId("question").maxLength = page.info.max_question_chars;
    byId("ask-form").addEventListener("submit", ask);
    byId("new-conversation").addEventListener("click", newConversation);
    byId("zoom").addEventListener("click", () => {
      const zoomed = byId("graph").classList.toggle("natural");
      byId("zoom").textContent = zoomed ? "Fit the graph" : "Full size";
      fitGraph();
    });
    if (page.info.chat) {
      await newConversation();
    } else {
      busy(true);
      showAttributes({});
      notify("A traced turn, read from the state machine's logs: chat is off.");
      page.info.turns.forEach(addTurn);
      if (page.turns.length) await showTurn(page.turns[page.turns.length - 1]);
      else await draw(page.info.graph, null);
    }
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", start);
})();
