// The score sheet: a running total, and a confirmation before submitting.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.rubric");
  if (!form) return;
  const output = form.querySelector(".rubric-total");
  const update = () => {
    let halves = 0;
    for (const input of form.querySelectorAll("input.points")) {
      const value = Number(input.value);
      if (input.value.trim() !== "" && Number.isFinite(value)) {
        halves += Math.round(value * 2);
      }
    }
    if (output) output.textContent = String(halves / 2);
  };
  form.addEventListener("input", update);
  update();
  for (const button of form.querySelectorAll("button[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
});
