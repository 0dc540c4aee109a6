"""The documents that leave the clinic (pure): the course report and the prior-authorization
packet, assembled from facts the service gathers through the other rooms' services."""

from trdcare.reports.domain.catalogue import (
    BillingCode,
    CodeSet,
    PacketItem,
    packaged_codes,
    packet_items,
    parse_codes,
)
from trdcare.reports.domain.course_report import (
    CourseReport,
    EventFact,
    Notice,
    OutcomeFact,
    ScorePoint,
    SessionGroup,
)
from trdcare.reports.domain.data_schema import THERAPIES
from trdcare.reports.domain.packet import (
    CHECKS,
    SEVERITY_SCALES,
    SUICIDE_SCREEN_SCALE,
    THERAPY_LABELS,
    MissingItem,
    OtherTreatment,
    PacketFacts,
    PriorAuthPacket,
    ProtocolFact,
    ScoreFact,
    ScreenFact,
    TrialFact,
    assemble_packet,
    check_therapy,
)

__all__ = [
    "CHECKS",
    "SEVERITY_SCALES",
    "SUICIDE_SCREEN_SCALE",
    "THERAPIES",
    "THERAPY_LABELS",
    "BillingCode",
    "CodeSet",
    "CourseReport",
    "EventFact",
    "MissingItem",
    "Notice",
    "OtherTreatment",
    "OutcomeFact",
    "PacketFacts",
    "PacketItem",
    "PriorAuthPacket",
    "ProtocolFact",
    "ScoreFact",
    "ScorePoint",
    "ScreenFact",
    "SessionGroup",
    "TrialFact",
    "assemble_packet",
    "check_therapy",
    "packaged_codes",
    "packet_items",
    "parse_codes",
]
