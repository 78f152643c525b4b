// Small progressive enhancements; every page works without them.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const message = form.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
    return;
  }
  // A double click must not send the same form twice.
  if (form.dataset.sent === "1") {
    event.preventDefault();
    return;
  }
  if (!form.hasAttribute("data-allow-resubmit")) {
    form.dataset.sent = "1";
    setTimeout(() => { form.dataset.sent = "0"; }, 4000);
  }
});
// "Select all on this page" for a bulk action's checkboxes (form="…").
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!box.classList || !box.classList.contains("select-all")) return;
  const selector = `input[type=checkbox][form="${box.dataset.form}"]`;
  document.querySelectorAll(selector).forEach((item) => {
    item.checked = box.checked;
  });
});
