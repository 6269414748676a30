"""Personal data: victims and witnesses (consent-gated) and the subjects of enquiries."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from protocols.fields import (
    Age,
    ConsentId,
    CountryCode,
    Date,
    Language,
    Name,
    PersonId,
    PhoneNumber,
    ShortText,
    Text,
    described,
)
from protocols.htcds import (
    ForcedLabourIndustry,
    Gender,
    MethodOfControl,
    MethodOfRecruitment,
    PerpetratorRole,
    RecruitmentWebsiteOrApp,
    RelationshipToTrafficker,
    TraffickingStatus,
    TypeOfExploitation,
    TypeOfSexExploitation,
)
from protocols.vocab import PersonRole


class Person(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Personal data of one victim, witness, reporter or relative.

    Any message that carries a `Person` carries personal data: the bus lets it reach another
    agency only under a consent in force for `consent_ref`, for a minor, or when the
    envelope declares a risk to life."""

    person_id: PersonId
    role: Annotated[PersonRole, described("Why this person appears in the message.")]
    consent_ref: Annotated[
        ConsentId | None,
        described("The `consent_id` of the consent record that covers sharing this data."),
    ] = None
    is_minor: Annotated[
        bool, described("Under 18: no consent gate; best interests of the child first.")
    ] = False
    first_name: Annotated[Name | None, described("First name.", htcds="prs_FirstName")] = None
    second_name: Annotated[Name | None, described("Family name.", htcds="prs_SecondName")] = None
    name_variants: Annotated[
        list[Name],
        described("Other spellings (Cyrillic and Latin transliterations)."),
        Meta(max_length=10),
    ] = []
    birthdate: Annotated[Date | None, described("Date of birth.", htcds="prs_Birthdate")] = None
    age: Annotated[Age | None, described("Age in years, when the birthdate is unknown.")] = None
    gender: Annotated[Gender | None, described("Gender.", htcds="prs_Gender")] = None
    citizenship: Annotated[
        list[CountryCode],
        described("Citizenships.", htcds="prs_Citizenship"),
        Meta(max_length=5),
    ] = []
    primary_language: Annotated[
        Language | None, described("Language the person speaks best.", htcds="prs_PrimaryLanguage")
    ] = None
    secondary_language: Annotated[
        Language | None, described("Second language.", htcds="prs_SecondaryLanguage")
    ] = None
    identity_number: Annotated[
        ShortText | None, described("Passport or ID number.", htcds="prs_IdentityNumber")
    ] = None
    mobile_phone: Annotated[
        PhoneNumber | None, described("Mobile phone.", htcds="prs_MobilePhone")
    ] = None
    whereabouts: Annotated[
        ShortText | None, described("Where the person is now (shelter, hospital, address).")
    ] = None
    trafficking_status: Annotated[
        TraffickingStatus | None,
        described("Status as last decided.", htcds="vic_TraffickingStatus"),
    ] = None
    type_of_exploitation: Annotated[
        list[TypeOfExploitation],
        described("Forms of exploitation.", htcds="vic_TypeOfExploitation"),
        Meta(max_length=11),
    ] = []
    forced_labour_industry: Annotated[
        list[ForcedLabourIndustry],
        described("ISIC v4 sections of forced labour.", htcds="vic_ForcedLabourIndustry"),
        Meta(max_length=21),
    ] = []
    type_of_sex_exploitation: Annotated[
        list[TypeOfSexExploitation],
        described("Forms of sexual exploitation.", htcds="vic_TypeOfSexExploitation"),
        Meta(max_length=4),
    ] = []
    method_of_recruitment: Annotated[
        MethodOfRecruitment | None,
        described("How the person was recruited.", htcds="vic_MethodOfRecruitment"),
    ] = None
    recruitment_websites_and_apps: Annotated[
        list[RecruitmentWebsiteOrApp],
        described("Apps used to recruit.", htcds="vic_RecruitmentWebsitesAndApps"),
        Meta(max_length=15),
    ] = []
    methods_of_control: Annotated[
        list[MethodOfControl],
        described("How the person was controlled.", htcds="vic_MethodsOfControl"),
        Meta(max_length=16),
    ] = []
    relationship_to_trafficker: Annotated[
        RelationshipToTrafficker | None,
        described("Relationship to the trafficker.", htcds="vic_RelationshipToTrafficker"),
    ] = None
    age_when_trafficked: Annotated[
        Age | None, described("Age when trafficked.", htcds="vic_AgeWhenTrafficked")
    ] = None
    notes: Annotated[Text | None, described("What else the receiver needs to know.")] = None


SubjectKind = Literal[
    "person",
    "phone",
    "vehicle",
    "bank_account",
    "bank_card",
    "remittance",
    "document",
    "address",
    "organisation",
    "online_account",
]


class Subject(Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Someone or something an enquiry is about: a suspect, a phone, a card, an account.

    Suspects' data travels under handling codes and legal bases, not under a victim's
    consent; victims and witnesses go in `Person`."""

    kind: SubjectKind
    value: Annotated[ShortText, described("The identifier: a name, number, plate, IBAN, handle.")]
    name_variants: Annotated[
        list[Name],
        described("Other spellings (Cyrillic and Latin transliterations)."),
        Meta(max_length=10),
    ] = []
    country: CountryCode | None = None
    role_in_process: Annotated[
        PerpetratorRole | None,
        described("For a suspect: role in the trafficking process.", htcds="per_RoleInProcess"),
    ] = None
    description: Annotated[Text | None, described("What is known about the subject.")] = None
