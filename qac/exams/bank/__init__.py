"""The question bank: import and export, the staff pages that show it."""
