-- partition: national
-- Rows and files held back by validation, with the reason, for the published quarantine list.
select source, file, row_number, reason, detail
from raw_quarantine
order by source, file, row_number nulls first, reason
