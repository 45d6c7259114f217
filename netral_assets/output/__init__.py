"""Output: a laid-out document or a picture -> bytes. PDF, PNG, JPEG and WebP writers in one table keyed
by extension (`writers`), print page boxes (`pdfboxes`); the only place that encodes images and PDFs."""
