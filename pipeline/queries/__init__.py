"""Named, scoped query functions over the marts (bound parameters, small frames): what every page, export and the report read."""
