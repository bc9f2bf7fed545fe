"""Follow-up letters (SP1, SP2, the TMP2T request, the SKK referral cover letter): their kinds,
numbers, content, and DOCX and PDF renderings."""
