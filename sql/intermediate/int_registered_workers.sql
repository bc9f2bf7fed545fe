-- AKTIF participants, with the employer (identity component) of the NPP they are registered by.
select
    nodes.component,
    participants.*
from stg_participants as participants
join int_identity_components as nodes
    on nodes.node = 'NPP:' || participants.npp
where participants.is_active
