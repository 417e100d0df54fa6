"""Master data the admin keeps: categories, departments, service points, objects, channels (with history)."""
