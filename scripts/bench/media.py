#!/usr/bin/env python3
"""Attachments: how long a photo or a video takes to be accepted, by size.

Usage: python scripts/bench/media.py [--megapixels 1,12,48] [--seconds 2,10,60]

Photos are JPEGs of the given size with noise (so they do not compress to
nothing), made by Pillow; videos are H.264/AAC MP4s of ffmpeg's test source at
640×360. Each is taken through ``judging.documents.media.accept_media`` — the
content sniff, decoding, the metadata-free copy and the preview for a photo;
ffprobe and one preview frame for a video — as an upload is. Prints the file
size, the seconds (best of 3) and the process's peak memory (sizes run in the
order given: list them smallest first).
"""

from __future__ import annotations

import argparse
import io
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from judging.documents import media


def photo(megapixels: float) -> bytes:
    from PIL import Image

    width = int((megapixels * 1e6 * 4 / 3) ** 0.5)
    height = int(width * 3 / 4)
    image = Image.effect_noise((width, height), 40).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def video(seconds: int, folder: Path) -> bytes:
    target = folder / f"clip-{seconds}.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=size=640x360:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
         "-t", str(seconds), "-c:v", "libx264", "-preset", "veryfast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", str(target)],
        check=True,
    )  # fmt: skip
    return target.read_bytes()


def best_of(n: int, fn) -> float:  # noqa: ANN001
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megapixels", default="1,12,48")
    parser.add_argument("--seconds", default="2,10,60")
    parser.add_argument("--smoke", action="store_true", help="1 MP and 2 s only")
    args = parser.parse_args()
    if args.smoke:
        args.megapixels, args.seconds = "1", "2"
    print("| file | size | bytes | accept (s) | peak memory (MB) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for mp in (float(x) for x in args.megapixels.split(",")):
        data = photo(mp)
        assert media.sniff(data) == "jpeg"
        took = best_of(3, lambda d=data: media.accept_media(d, "p.jpg", fmt="jpeg"))
        print(
            f"| JPEG photo | {mp:g} MP | {len(data):,} | {took:.2f} | {peak_mb():.0f} |"
        )
    with tempfile.TemporaryDirectory() as tmp:
        for seconds in (int(x) for x in args.seconds.split(",")):
            data = video(seconds, Path(tmp))
            assert media.sniff(data) == "mp4"
            took = best_of(3, lambda d=data: media.accept_media(d, "v.mp4", fmt="mp4"))
            print(
                f"| MP4 video | {seconds} s | {len(data):,} | {took:.2f} "
                f"| {peak_mb():.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
