"""
Bar charts drawn on the server as SVG: no script, no style attribute, nothing
from elsewhere. Positions along the value axis are percentages, so a chart
fills its column at any width while its text keeps its size; colours come from
classes in site.css.
"""

from dataclasses import dataclass

ROW_HEIGHT = 34  # a label line and a bar beneath it
BAR_HEIGHT = 12
COLUMN_AREA_HEIGHT = 160
COLUMN_LABEL_SPACE = 22
COLUMN_VALUE_SPACE = 16
MAX_COLUMN_LABELS = 10


@dataclass(frozen=True)
class Row:
    label: str
    value: int


def percent(value: float) -> str:
    return f"{value:.2f}%"


def bar_chart(rows: list[Row]) -> dict:
    """Horizontal bars: each row a label with its value, then a bar as long as its share."""
    largest = max((row.value for row in rows), default=0) or 1
    bars = [
        {
            "label": row.label,
            "value": row.value,
            "label_y": index * ROW_HEIGHT + 13,
            "bar_y": index * ROW_HEIGHT + 18,
            # A zero still shows as a sliver, so the row does not look missing.
            "width": percent(max(row.value / largest * 100, 0.5)),
        }
        for index, row in enumerate(rows)
    ]
    return {"bars": bars, "height": len(rows) * ROW_HEIGHT, "bar_height": BAR_HEIGHT}


def column_chart(rows: list[Row]) -> dict:
    """Vertical columns, one per row in order, labelled beneath (every few when crowded)."""
    largest = max((row.value for row in rows), default=0) or 1
    count = len(rows) or 1
    slot = 100 / count
    label_every = -(-count // MAX_COLUMN_LABELS)  # ceiling division
    baseline = COLUMN_VALUE_SPACE + COLUMN_AREA_HEIGHT
    columns = []
    for index, row in enumerate(rows):
        height = round(row.value / largest * COLUMN_AREA_HEIGHT)
        columns.append(
            {
                "label": row.label,
                "value": row.value,
                "x": percent(index * slot + slot * 0.15),
                "center": percent(index * slot + slot / 2),
                "width": percent(slot * 0.7),
                "y": baseline - height,
                "height": height,
                "value_y": baseline - height - 4,
                "show_label": index % label_every == 0 or index == count - 1,
            }
        )
    return {
        "columns": columns,
        "baseline": baseline,
        "label_y": baseline + 16,
        "height": baseline + COLUMN_LABEL_SPACE,
    }
