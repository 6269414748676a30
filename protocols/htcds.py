"""HTCDS v2.0 picklists (IOM Human Trafficking Case Data Standard), in HTCDS spelling."""

from __future__ import annotations

from typing import Literal

OrganisationType = Literal[
    "NGO",
    "LawEnforcement",
    "HealthServiceOrganisation",
    "CentralGovernmentOrganisation",
    "LocalGovernmentOrganisation",
    "ImmigrationService",
    "LegalService",
    "CorporateBusiness",
    "SchoolOrCollege",
]
"""`org_Type`."""

Gender = Literal[
    "Feminine",
    "Masculine",
    "TransgenderFeminine",
    "TransgenderMasculine",
    "NonConforming",
    "NonSpecifiedUnknown",
]
"""`prs_Gender`."""

TraffickingStatus = Literal[
    "PossibleVictimOfTrafficking",
    "ActualVictimOfTrafficking",
    "NotAVictimOfTrafficking",
]
"""`vic_TraffickingStatus`."""

TraffickingStatusDecisionMakingOrg = Literal[
    "Police",
    "NGO",
    "CourtOrProsecution",
    "NonPoliceGovernmentalOrganization",
    "Other",
]
"""`vic_TraffickingStatusDecisionMakingOrg`."""

RelationshipToTrafficker = Literal["Familial", "Acquainted", "Unaquainted"]
"""`vic_RelationshipToTrafficker` (HTCDS spells `Unaquainted` so)."""

RecruitmentWebsiteOrApp = Literal[
    "Facebook",
    "Instagram",
    "WhatsApp",
    "Telegram",
    "FacebookMessenger",
    "Viber",
    "SnapChat",
    "Line",
    "4Sale",
    "WeChat",
    "QQ",
    "QZone",
    "TikTok",
    "Twitter",
    "Other",
]
"""`vic_RecruitmentWebsitesAndApps`."""

MethodOfRecruitment = Literal[
    "AtAPlaceOfBusiness",
    "AtAnEducationalInstitution",
    "AtWork",
    "ThroughOnlineSocialNetworks",
    "ThroughAnOnlineAdvertisement",
    "ThroughATelevisionAdvert",
    "ThroughANewspaperAdvert",
    "ThroughFamilyOrFamilyEvents",
    "ThroughFriendsOrSocialEvents",
    "Other",
]
"""`vic_MethodOfRecruitment`."""

MethodOfControl = Literal[
    "PhysicalThreats",
    "ThreatsLawEnforcement",
    "ThreatensChildrenFamily",
    "DebtBondage",
    "FalsePromises",
    "PhysicalAbuse",
    "SexualAbuse",
    "TakesEarnings",
    "RestrictsFinancialAccess",
    "RestrictsMedicalCare",
    "WithholdsNecessities",
    "PsychologicalAbuse",
    "PsychoactiveSubstance",
    "ExcessiveWorkingHours",
    "WithholdsDocuments",
    "Other",
]
"""`vic_MethodsOfControl`."""

TypeOfExploitation = Literal[
    "ForcedLabour",
    "SexualExploitation",
    "ChildLabour",
    "ForcedMarriage",
    "Servitude",
    "ForcedMilitaryByNonStateActors",
    "OrganRemoval",
    "ForcedBegging",
    "ForcedAdoption",
    "Surrogacy",
    "Other",
]
"""`vic_TypeOfExploitation` (forced criminality is `Other`, as HTCDS has no own value)."""

ForcedLabourIndustry = Literal[
    "A_AgricultureForestryAndFishing",
    "B_MiningAndQuarrying",
    "C_Manufacturing",
    "D_ElectricityGasSteamAndAirConditioningSupply",
    "E_WaterSupplySewerageWasteManagementAndRemediationActivities",
    "F_Construction",
    "G_WholesaleAndRetailTradeRepairOfMotorVehiclesAndMotorcycles",
    "H_TransportationAndStorage",
    "I_AccommodationAndFoodServiceActivities",
    "J_InformationAndCommunication",
    "K_FinancialAndInsuranceActivities",
    "L_RealEstateActivities",
    "M_ProfessionalScientificAndTechnicalActivities",
    "N_AdministrativeAndSupportServiceActivities",
    "O_PublicAdministrationAndDefenceCompulsorySocialSecurity",
    "P_Education",
    "Q_HumanHealthAndSocialWorkActivities",
    "R_ArtsEntertainmentAndRecreation",
    "S_OtherServiceActivities",
    "T_ActivitiesOfHouseholdsAsEmployers",
    "U_ActivitiesOfExtraterritorialOrganizationsAndBodies",
]
"""`vic_ForcedLabourIndustry`: ISIC v4 sections A-U."""

TypeOfSexExploitation = Literal[
    "Prostitution", "Pornography", "RemoteInteractiveServices", "PrivateSexualServices"
]
"""`vic_TypeOfSexExploitation`."""

PerpetratorRole = Literal[
    "TravellingPartner",
    "Transporter",
    "RecruiterOrIntermediary",
    "BrokerTravelAgent",
    "TransferredIndividual",
    "HarbouredIndividual",
    "SoldIndividual",
    "BoughtIndividual",
    "ReceivedIndividual",
    "ControlledIndividual",
    "Smuggler",
    "Abuser",
    "Kidnapper",
    "Exploiter",
    "Other",
]
"""`per_RoleInProcess`."""

TraffickingEventType = Literal["Recruitment", "Transit", "Exploitation"]
"""`hte_Type`."""

ReasonForReferral = Literal["AdditionalServicesRequired", "MigrationOrChangeOfLocation", "Other"]
"""`cas_ReasonForOutgoingReferral` / `cas_ReasonForIncomingReferral`."""

CaseStatus = Literal["Active", "FollowUp", "Closed", "ClosedReferred"]
"""`cas_Status`."""

SupportPlanType = Literal[
    "Education",
    "Financial",
    "Health",
    "LabourExploitationRehabilitation",
    "Legal",
    "Livelihood",
    "RightsBasedTraining",
    "SexualExploitationRehabilitation",
    "SocialCare",
]
"""`spl_Type`."""
