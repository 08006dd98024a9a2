"""A progress bar for long management commands, drawn only on a terminal."""


class ProgressBar:
    """
    Call with ``(done, total)`` as work advances. On a terminal it redraws one
    line; written to a file or a pipe it prints nothing, so logs stay clean.
    """

    WIDTH = 30

    def __init__(self, stream, label: str):
        self.stream = stream
        self.label = label
        self.enabled = hasattr(stream, "isatty") and stream.isatty()
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        filled = round(self.WIDTH * done / total)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}", ending="")
        self.stream.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("")
            self.drawn = False
