-- partition: national
-- The branch office (kantor cabang) that follows up each regency; unmapped regencies are kept
-- under BELUM-DIPETAKAN so no finding goes without an owner.
select
    regions.kode as regency_code,
    coalesce(branches.branch_code, 'BELUM-DIPETAKAN') as branch_code,
    coalesce(branches.branch_name, 'Belum dipetakan ke kantor cabang') as branch_name
from ref_wilayah_kemendagri_2025 as regions
left join ref_branch_offices as branches on branches.regency_code = regions.kode
where regions.level = '2'
