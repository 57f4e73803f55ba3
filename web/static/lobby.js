// Chainplay lobby: the create-room form. POST /api/rooms creates the room
// with the chosen parameters; this tab keeps the teacher token it gets back
// in localStorage (key chainplay-teacher-ROOM), which is what shows the
// admin panel on the room page. Plain JS, no build step.
const form = document.getElementById("create-form");
const out = document.getElementById("create-status");

// Number fields left empty take the server's defaults.
const numeric = ["difficulty", "block_time_ms", "retarget_interval", "subsidy", "halving_interval", "max_block_txs"];

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = { name: form.elements["create-name"].value.trim().toLowerCase() };
  for (const key of numeric) {
    const v = form.elements[`create-${key}`].value.trim();
    if (v !== "") body[key] = Number(v);
  }
  out.textContent = "Creating…";
  out.className = "hint";
  try {
    const resp = await fetch("/api/rooms", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await resp.json();
    if (!resp.ok) {
      out.textContent = `Could not create the room: ${data.error || resp.statusText}`;
      out.className = "hint error";
      return;
    }
    localStorage.setItem(`chainplay-teacher-${data.room}`, data.teacher_token);
    location.href = `/r/${data.room}`;
  } catch (err) {
    out.textContent = `Could not create the room: ${err}`;
    out.className = "hint error";
  }
});
