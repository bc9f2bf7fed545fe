"""Publish: the compliance lists, manifest and workbook, swapped into place atomically."""
