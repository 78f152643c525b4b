// Progress of a background job: polls the JSON status of the element with
// data-progress-url and updates its <progress> bar until the job ends.
(() => {
  const box = document.querySelector("[data-progress-url]");
  if (!box) {
    return;
  }
  const bar = box.querySelector("progress");
  const label = box.querySelector("[data-progress-label]");
  const running = box.querySelector("[data-progress-running]");
  const done = box.querySelector("[data-progress-done]");
  const link = box.querySelector("[data-progress-link]");
  const failed = box.querySelector("[data-progress-failed]");
  let delay = 800;

  const show = (status) => {
    bar.max = Math.max(status.total, 1);
    bar.value = status.done;
    label.textContent = `${status.done}/${status.total}`;
    const active = status.state === "queued" || status.state === "running";
    running.hidden = !active;
    done.hidden = status.state !== "done";
    failed.hidden = status.state !== "failed";
    if (status.state === "done" && status.download_url) {
      link.href = status.download_url;
    }
    if (status.state === "failed" && status.message) {
      failed.textContent = status.message;
    }
  };

  const poll = async () => {
    try {
      const response = await fetch(box.dataset.progressUrl, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        return; // a 404 means the job is gone (not ours, or expired): stop
      }
      const status = await response.json();
      show(status);
      if (status.state !== "queued" && status.state !== "running") {
        return;
      }
    } catch (error) {
      // A network hiccup: keep trying, a little less often.
      delay = Math.min(delay * 2, 10000);
    }
    setTimeout(poll, delay);
  };

  if (!running.hidden) {
    setTimeout(poll, delay);
  }
})();
