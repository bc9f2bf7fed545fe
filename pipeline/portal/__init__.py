"""The compliance portal: where branch offices find, download and follow up their lists."""
