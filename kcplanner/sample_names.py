"""The fixed facts of the sample city (a city in the Kansas City, Missouri mould).

Pure data, no randomness: `kcplanner.sample` draws line items around these facts.
Dollar figures are FY2026 Adopted millions; rates are percent points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CITY = "Kansas City, Missouri"
FIRST_PLAN_YEAR = 2027
DEFAULT_COST_PER_FTE = 95000
TOTAL_ADOPTED = 1_800_000_000.0  # FY2026 Adopted, all funds (KCMO's budget is about $1.8 billion)

# ---------------------------------------------------------------- funds
#: fund, fund name, reserve floor %, target %, ceiling % (None = no policy)
FUNDS = [
    ("General Fund", "1000 - General Fund", 10.0, 16.7, 25.0),
    ("Public Safety Sales Tax Fund", "2350 - Public Safety Sales Tax Fund", 5.0, 10.0, 20.0),
    ("Health Levy Fund", "2050 - Health Levy Fund", 8.0, 15.0, 25.0),
    ("Streetlight Fund", "2060 - Streetlight and Traffic Signal Fund", 5.0, 10.0, 20.0),
    ("Convention and Tourism Fund", "2110 - Convention and Tourism Fund", 10.0, 15.0, 25.0),
    ("Capital Improvements Fund", "3090 - Capital Improvements Sales Tax Fund", 5.0, 15.0, 50.0),
    ("Debt Service Fund", "4000 - General Debt and Interest Fund", 10.0, 15.0, 30.0),
    ("Water Fund", "8010 - Water Fund", 15.0, 25.0, 45.0),
    ("Sewer Fund", "8110 - Sewer Fund", 15.0, 25.0, 45.0),
    ("Stormwater Fund", "8210 - Stormwater Fund", 10.0, 20.0, 50.0),
    ("Aviation Fund", "8300 - Aviation Fund", 25.0, 40.0, 75.0),
]

#: Per fund: the reserve ratio (balance / recurring expenditure) at the start of y1 (one-time
#: y1 spending comes on top: the fund saved for it), and either the ratio the baseline should
#: reach in y5 or the structural margin of y1; the generator sizes each fund's revenue.  Chosen
#: so the baseline shows something: the General Fund is structurally short and falls under its
#: 10% floor in the last plan year(s), the Health Levy Fund runs a structural deficit down through
#: its floor, the Convention and Tourism Fund builds a balance over its ceiling.
FUND_BALANCE_RATIO = {
    "General Fund": 0.18, "Public Safety Sales Tax Fund": 0.13, "Health Levy Fund": 0.17,
    "Streetlight Fund": 0.15, "Convention and Tourism Fund": 0.22, "Capital Improvements Fund": 0.17,
    "Debt Service Fund": 0.19, "Water Fund": 0.35, "Sewer Fund": 0.34, "Stormwater Fund": 0.22,
    "Aviation Fund": 0.40,
}
FUND_END_RATIO = {  # funds whose revenue is solved so the y5 reserve ratio lands here
    "General Fund": 0.085, "Health Levy Fund": 0.065, "Convention and Tourism Fund": 0.40,
}
#: The other funds: recurring revenue exceeds recurring expenditure in y1 by this fraction.
FUND_MARGIN = {
    "Public Safety Sales Tax Fund": 0.005, "Streetlight Fund": 0.005, "Capital Improvements Fund": 0.01,
    "Debt Service Fund": 0.005, "Water Fund": 0.01, "Sewer Fund": 0.01, "Stormwater Fund": 0.01,
    "Aviation Fund": 0.015,
}

#: Revenue sources per fund: (source, share of the fund's revenue, recurring, growth %, has FY2027 Projected)
REVENUE_SOURCES = {
    "General Fund": [
        ("Earnings Tax", 0.41, True, 2.0, True),
        ("Sales Tax", 0.17, True, 2.5, True),
        ("Property Tax", 0.10, True, 3.0, True),
        ("Utility Franchise Fees (Gross Receipts)", 0.17, True, 0.5, False),
        ("Licenses and Permits", 0.04, True, 2.0, False),
        ("Charges for Services", 0.03, True, 2.5, False),
        ("Parking", 0.02, True, 1.5, False),
        ("Fines and Forfeitures", 0.02, True, -2.0, False),
        ("Interest Earnings", 0.01, True, 0.0, False),
        ("Transfers In", 0.02, False, 0.0, False),
        ("Federal Grants", 0.01, False, 0.0, False),
    ],
    "Public Safety Sales Tax Fund": [
        ("Public Safety Sales Tax", 0.97, True, 3.5, True),
        ("Interest Earnings", 0.03, True, 0.0, False),
    ],
    "Health Levy Fund": [
        ("Health Levy", 0.86, True, 2.0, True),
        ("State and Federal Health Grants", 0.12, False, 0.0, False),
        ("Interest Earnings", 0.02, True, 0.0, False),
    ],
    "Streetlight Fund": [
        ("Streetlight Sales Tax", 0.62, True, 3.5, False),
        ("Motor Fuel Tax", 0.38, True, 2.0, False),
    ],
    "Convention and Tourism Fund": [
        ("Convention and Tourism Tax", 0.78, True, 4.0, True),
        ("Facility Rentals and Event Fees", 0.22, True, 3.0, False),
    ],
    "Capital Improvements Fund": [
        ("Capital Improvements Sales Tax", 0.96, True, 3.0, True),
        ("Federal Grants", 0.04, False, 0.0, False),
    ],
    "Debt Service Fund": [
        ("Property Tax - Debt Levy", 0.58, True, 1.0, False),
        ("Transfers In", 0.42, True, 0.0, False),
    ],
    "Water Fund": [
        ("Water Charges", 0.95, True, 2.5, True),
        ("Interest Earnings", 0.02, True, 0.0, False),
        ("Other Operating Revenue", 0.03, True, 1.0, False),
    ],
    "Sewer Fund": [
        ("Sewer Charges", 0.97, True, 2.5, True),
        ("Interest Earnings", 0.03, True, 0.0, False),
    ],
    "Stormwater Fund": [
        ("Stormwater Fees", 0.96, True, 2.0, False),
        ("Federal Grants", 0.04, False, 0.0, False),
    ],
    "Aviation Fund": [
        ("Airline Landing Fees", 0.28, True, 2.0, True),
        ("Parking", 0.30, True, 2.5, False),
        ("Concessions", 0.18, True, 3.0, False),
        ("Terminal Rents", 0.22, True, 2.0, False),
        ("Federal Grants", 0.02, False, 0.0, False),
    ],
}

# ---------------------------------------------------------------- expenditure growth
#: Assumptions: growth % by account class for the five plan years y1..y5
GROWTH = {
    "Personnel Services": (3.5, 3.5, 3.0, 3.0, 3.0),
    "Contractual Services": (3.0, 3.0, 3.0, 2.5, 2.5),
    "Commodities": (2.5, 2.5, 2.5, 2.5, 2.5),
    "Capital Outlay": (2.0, 2.0, 2.0, 2.0, 2.0),
    "Debt Service": (0.0, 0.0, 0.0, 0.0, 0.0),
    "Transfers": (0.0, 0.0, 0.0, 0.0, 0.0),
    "Other": (2.0, 2.0, 2.0, 2.0, 2.0),
}

# ---------------------------------------------------------------- accounts
ACCOUNTS = {
    "Personnel Services": [
        ("511100", "Salaries - Regular", 10), ("511200", "Salaries - Part-Time", 2), ("511300", "Overtime", 3),
        ("511400", "Holiday Pay", 1), ("511500", "Shift Differential", 1), ("511600", "Longevity Pay", 1),
        ("512100", "FICA", 2), ("512200", "Medicare", 1), ("512300", "Pension Contributions", 3),
        ("512400", "Health Insurance", 3), ("512500", "Dental and Vision Insurance", 1),
        ("512600", "Life Insurance", 1), ("512700", "Workers' Compensation", 1),
        ("512800", "Unemployment Compensation", 0.5), ("513100", "Uniform Allowance", 0.5),
    ],
    "Contractual Services": [
        ("521100", "Professional Services", 3), ("521200", "Legal Services", 0.5), ("521300", "Engineering Services", 1),
        ("521400", "Consulting Services", 1), ("522100", "Repairs and Maintenance - Buildings", 2),
        ("522200", "Repairs and Maintenance - Equipment", 2), ("522300", "Vehicle Maintenance Charges", 1.5),
        ("523100", "Rent - Buildings", 1), ("523200", "Equipment Leases", 1), ("524100", "Electricity", 1.5),
        ("524200", "Natural Gas", 0.7), ("524300", "Water and Sewer Utilities", 0.7), ("525100", "Telephone and Data", 1),
        ("525200", "Software Licenses", 1), ("525300", "IT Chargebacks", 1), ("526100", "Insurance Premiums", 1),
        ("526200", "Travel and Training", 1), ("526300", "Printing and Advertising", 0.5),
        ("527100", "Grants to Agencies", 0.7), ("527200", "Contracted Services", 3), ("528100", "Postage", 0.3),
        ("528200", "Dues and Subscriptions", 0.3),
    ],
    "Commodities": [
        ("531100", "Office Supplies", 2), ("531200", "Operating Supplies", 3), ("531300", "Fuel and Lubricants", 2),
        ("531400", "Chemicals", 1), ("531500", "Uniforms and Protective Gear", 1), ("531600", "Medical Supplies", 0.5),
        ("531700", "Small Tools and Equipment", 1), ("531800", "Computer Supplies", 1), ("531900", "Road Salt and Deicers", 0.3),
        ("532100", "Food and Concession Supplies", 0.3), ("532300", "Repair Parts", 1),
    ],
    "Capital Outlay": [
        ("541100", "Vehicles", 2), ("541200", "Heavy Equipment", 1), ("541300", "Computer Equipment", 1.5),
        ("541400", "Furniture and Fixtures", 0.5), ("541500", "Building Improvements", 1.5),
        ("541600", "Infrastructure Improvements", 2), ("541700", "Land Acquisition", 0.3),
        ("541800", "Communications Equipment", 1),
    ],
    "Debt Service": [
        ("551100", "Principal - General Obligation Bonds", 2), ("551200", "Interest - General Obligation Bonds", 2),
        ("551300", "Principal - Revenue Bonds", 2), ("551400", "Interest - Revenue Bonds", 2),
        ("551500", "Lease Purchase Payments", 1), ("551600", "Paying Agent Fees", 0.3),
    ],
    "Transfers": [
        ("561100", "Transfer to General Fund", 1), ("561200", "Transfer to Debt Service Fund", 2),
        ("561300", "Transfer to Capital Improvements Fund", 1), ("561400", "Transfer to Pension System", 1),
    ],
    "Other": [
        ("571100", "Claims and Judgments", 1), ("571200", "Contingency", 1), ("571300", "Miscellaneous", 1),
        ("571400", "Refunds", 0.5),
    ],
}
VACANCY_ACCOUNT = ("519900", "Vacancy Savings")  # a negative personnel line, as real budgets carry

#: Class mix (shares of a department's FY2026 Adopted) by department profile
CLASS_MIX = {
    "safety": {"Personnel Services": .80, "Contractual Services": .09, "Commodities": .05, "Capital Outlay": .04, "Other": .02},
    "utility": {"Personnel Services": .22, "Contractual Services": .25, "Commodities": .10, "Capital Outlay": .14,
                "Debt Service": .24, "Transfers": .04, "Other": .01},
    "aviation": {"Personnel Services": .28, "Contractual Services": .34, "Commodities": .06, "Capital Outlay": .10,
                 "Debt Service": .18, "Transfers": .03, "Other": .01},
    "works": {"Personnel Services": .34, "Contractual Services": .34, "Commodities": .13, "Capital Outlay": .16, "Other": .03},
    "finance": {"Personnel Services": .20, "Contractual Services": .09, "Commodities": .01, "Debt Service": .62,
                "Transfers": .07, "Other": .01},
    "admin": {"Personnel Services": .70, "Contractual Services": .22, "Commodities": .05, "Capital Outlay": .01, "Other": .02},
    "services": {"Personnel Services": .55, "Contractual Services": .33, "Commodities": .07, "Capital Outlay": .03, "Other": .02},
    "venue": {"Personnel Services": .30, "Contractual Services": .45, "Commodities": .08, "Capital Outlay": .05,
              "Debt Service": .10, "Other": .02},
    "housing": {"Personnel Services": .25, "Contractual Services": .60, "Commodities": .02, "Other": .13},
}


@dataclass
class Department:
    name: str
    code: str  # request ID prefix, e.g. POL
    slug: str  # file name
    adopted_millions: float  # share of the city's FY2026 Adopted
    profile: str  # CLASS_MIX key
    funds: dict[str, float]  # fund -> weight
    programs: list[tuple[str, float]]  # program, weight
    positions: list[tuple[str, int]]  # title, loaded cost per FTE
    program_funds: dict[str, dict[str, float]] = field(default_factory=dict)
    debt_program: str | None = None  # program that carries the department's debt service
    header_style: str = "standard"  # amount-header form in its workbook
    class_header: str = "Account class"


GF = "General Fund"
PSST = "Public Safety Sales Tax Fund"
CIP = "Capital Improvements Fund"

DEPARTMENTS = [
    Department("Police", "POL", "police", 290, "safety", {GF: .72, PSST: .28},
               [("Patrol", .40), ("Investigations", .18), ("Crime Lab", .06), ("911 Communications", .08),
                ("Traffic Enforcement", .07), ("Community Policing", .06), ("Police Administration", .10),
                ("Professional Development and Training", .05)],
               [("Police Officer", 98000), ("Sergeant", 124000), ("Captain", 152000), ("Detective", 112000),
                ("Forensic Scientist", 96000), ("911 Call Taker", 64000), ("Police Dispatcher", 68000),
                ("Crime Analyst", 86000), ("Administrative Assistant", 58000)]),
    Department("Fire", "FIR", "fire", 235, "safety", {GF: .78, PSST: .22},
               [("Fire Suppression", .55), ("Emergency Medical Services", .25), ("Fire Prevention", .05),
                ("Fire Training Academy", .04), ("Fire Administration", .06), ("Emergency Management", .05)],
               [("Firefighter", 94000), ("Fire Captain", 128000), ("Battalion Chief", 158000),
                ("Paramedic", 92000), ("Fire Inspector", 90000), ("Emergency Management Planner", 88000),
                ("Administrative Assistant", 58000)],
               class_header="Category"),
    Department("Public Works", "PWD", "public-works", 140, "works", {GF: 1.0},
               [("Street Maintenance", .28), ("Street Resurfacing", .18), ("Snow and Ice Control", .07),
                ("Traffic Operations", .10), ("Streetlights", .12), ("Capital Projects", .10),
                ("Solid Waste and Recycling", .15)],
               [("Maintenance Worker", 62000), ("Equipment Operator", 66000), ("Civil Engineer", 112000),
                ("Traffic Signal Technician", 78000), ("Electrician", 84000), ("Project Manager", 118000),
                ("Supervisor", 92000)],
               program_funds={"Streetlights": {"Streetlight Fund": 1.0},
                              "Traffic Operations": {"Streetlight Fund": .5, GF: .5},
                              "Street Resurfacing": {CIP: .8, GF: .2},
                              "Capital Projects": {CIP: 1.0}}),
    Department("Water Services", "WSD", "water-services", 420, "utility", {"Water Fund": .5, "Sewer Fund": .4, "Stormwater Fund": .1},
               [("Water Treatment", .20), ("Distribution Maintenance", .20), ("Wastewater Treatment", .24),
                ("Stormwater", .10), ("Customer Service", .08), ("Engineering and Capital Delivery", .13),
                ("Laboratory and Compliance", .05)],
               [("Water Plant Operator", 76000), ("Utility Maintenance Worker", 64000), ("Wastewater Plant Operator", 76000),
                ("Civil Engineer", 114000), ("Customer Service Representative", 56000), ("Chemist", 88000),
                ("Utility Supervisor", 96000)],
               program_funds={"Water Treatment": {"Water Fund": 1.0}, "Distribution Maintenance": {"Water Fund": 1.0},
                              "Wastewater Treatment": {"Sewer Fund": 1.0}, "Stormwater": {"Stormwater Fund": 1.0}},
               debt_program="Engineering and Capital Delivery"),
    Department("Parks and Recreation", "PRK", "parks-and-recreation", 75, "services", {GF: 1.0},
               [("Parks Maintenance", .32), ("Recreation Programs", .20), ("Community Centers", .15),
                ("Forestry", .10), ("Boulevards and Fountains", .10), ("Park Planning and Capital", .13)],
               [("Park Maintenance Worker", 58000), ("Recreation Coordinator", 62000), ("Arborist", 70000),
                ("Community Center Manager", 84000), ("Landscape Architect", 98000)],
               program_funds={"Park Planning and Capital": {CIP: 1.0}},
               header_style="range"),
    Department("Health", "HLT", "health", 62, "services", {"Health Levy Fund": .7, GF: .3},
               [("Communicable Disease Prevention", .20), ("Environmental Health", .20),
                ("Animal Health and Public Safety", .15), ("Maternal and Child Health", .20),
                ("Violence Prevention", .15), ("Health Administration", .10)],
               [("Public Health Nurse", 86000), ("Epidemiologist", 92000), ("Environmental Health Specialist", 72000),
                ("Animal Control Officer", 58000), ("Community Health Worker", 56000), ("Health Program Manager", 104000)]),
    Department("Neighborhoods and Housing", "NHS", "neighborhoods-and-housing", 42, "services", {GF: 1.0},
               [("Code Enforcement", .35), ("Dangerous Buildings Demolition", .20), ("311 Action Center", .20),
                ("Neighborhood Preservation", .15), ("Tenant Protection", .10)],
               [("Code Inspector", 66000), ("311 Call Center Agent", 55000), ("Neighborhood Liaison", 62000),
                ("Program Manager", 96000)]),
    Department("General Services", "GSD", "general-services", 58, "works", {GF: .9, CIP: .1},
               [("Facilities Maintenance", .40), ("Fleet Management", .30), ("Procurement Services", .10),
                ("Energy Management", .10), ("Security Services", .10)],
               [("Building Maintenance Technician", 68000), ("Fleet Mechanic", 70000), ("Buyer", 72000),
                ("Energy Manager", 104000), ("Security Officer", 55000)]),
    Department("Finance", "FIN", "finance", 95, "finance", {GF: 1.0},
               [("Accounting", .25), ("Revenue Collection", .25), ("Treasury", .10),
                ("Budget and Performance", .15), ("Debt Management", .05), ("Risk Management", .20)],
               [("Accountant", 78000), ("Revenue Agent", 62000), ("Budget Analyst", 88000),
                ("Treasury Analyst", 86000), ("Risk Manager", 118000)],
               program_funds={"Debt Management": {"Debt Service Fund": 1.0}},
               debt_program="Debt Management"),
    Department("Municipal Court", "MC", "municipal-court", 16, "admin", {GF: 1.0},
               [("Court Operations", .50), ("Probation", .20), ("Court Administration", .15), ("Court Security", .15)],
               [("Court Clerk", 56000), ("Probation Officer", 64000), ("Municipal Judge", 160000),
                ("Court Security Officer", 58000)]),
    Department("City Planning", "CPD", "city-planning", 14, "admin", {GF: 1.0},
               [("Development Management", .35), ("Permits and Inspections", .35), ("Long Range Planning", .15),
                ("Historic Preservation", .15)],
               [("Planner", 82000), ("Building Inspector", 74000), ("Plans Examiner", 86000), ("Planning Manager", 118000)]),
    Department("Aviation", "AVI", "aviation", 175, "aviation", {"Aviation Fund": 1.0},
               [("Airport Operations", .35), ("Airfield Maintenance", .20), ("Terminal Services", .20),
                ("Airport Police and Security", .10), ("Parking and Ground Transportation", .15)],
               [("Airport Operations Officer", 78000), ("Airfield Maintenance Worker", 64000),
                ("Airport Police Officer", 92000), ("Terminal Services Agent", 55000), ("Airport Engineer", 116000)],
               debt_program="Airport Operations", header_style="short"),
    Department("Convention and Entertainment", "CEF", "convention-and-entertainment", 52, "venue",
               {"Convention and Tourism Fund": 1.0},
               [("Convention Center Operations", .50), ("Event Services", .20), ("Arena Operations", .15),
                ("Music Hall and Municipal Auditorium", .15)],
               [("Event Coordinator", 62000), ("Facility Technician", 66000), ("Sales Manager", 96000),
                ("Stagehand", 55000)],
               debt_program="Convention Center Operations"),
    Department("Human Resources", "HRD", "human-resources", 11, "admin", {GF: 1.0},
               [("Recruitment and Classification", .35), ("Benefits Administration", .25), ("Labor Relations", .15),
                ("Training and Development", .25)],
               [("HR Analyst", 76000), ("Benefits Specialist", 70000), ("Labor Relations Manager", 122000),
                ("Training Coordinator", 68000)]),
    Department("Law", "LAW", "law", 12, "admin", {GF: 1.0},
               [("Litigation", .45), ("Prosecution", .35), ("General Counsel", .20)],
               [("Assistant City Attorney", 118000), ("Paralegal", 64000), ("Prosecutor", 108000),
                ("Legal Secretary", 56000)]),
    Department("Information Technology", "ITD", "information-technology", 32, "admin", {GF: 1.0},
               [("Enterprise Applications", .35), ("Infrastructure and Network", .35), ("Cybersecurity", .15),
                ("Service Desk", .15)],
               [("Systems Analyst", 102000), ("Network Engineer", 112000), ("Security Analyst", 124000),
                ("Help Desk Technician", 58000), ("Database Administrator", 118000)],
               header_style="proposed"),
    Department("City Manager", "CMO", "city-manager", 9, "admin", {GF: 1.0},
               [("Executive Management", .50), ("Office of Performance Management", .30), ("Communications", .20)],
               [("Assistant City Manager", 160000), ("Performance Analyst", 86000),
                ("Communications Specialist", 72000), ("Executive Assistant", 64000)]),
    Department("Mayor and Council", "MAY", "mayor-and-council", 7, "admin", {GF: 1.0},
               [("Mayor's Office", .40), ("City Council", .45), ("Council Support Services", .15)],
               [("Council Member", 72000), ("Legislative Aide", 60000), ("Chief of Staff", 140000)]),
    Department("Municipal Clerk", "CLK", "municipal-clerk", 2.5, "admin", {GF: 1.0},
               [("Council Records", .40), ("Public Records Requests", .35), ("Boards and Commissions", .25)],
               [("Deputy Clerk", 60000), ("Records Specialist", 56000), ("City Clerk", 130000)]),
    Department("Housing and Community Development", "HCD", "housing-and-community-development", 30, "housing",
               {GF: .5, CIP: .5},
               [("Affordable Housing Development", .35), ("Homelessness Services", .30), ("Home Repair Programs", .20),
                ("Community Development Grants", .15)],
               [("Housing Program Manager", 98000), ("Housing Specialist", 68000), ("Grants Administrator", 76000),
                ("Outreach Worker", 56000)]),
]

# ---------------------------------------------------------------- goals, objectives, KPIs
GOALS = [
    ("G1", "Finance and Governance", 1.0),
    ("G2", "Housing and Healthy Communities", 1.0),
    ("G3", "Infrastructure and Accessibility", 1.2),
    ("G4", "Public Safety", 1.5),
    ("G5", "Economic Development", 1.0),
    ("G6", "Climate Protection and Resiliency", 0.8),
]

OBJECTIVES = [
    ("G1.1", "G1", "Deliver responsive, customer-focused city services"),
    ("G1.2", "G1", "Maintain a structurally balanced budget and sound financial management"),
    ("G1.3", "G1", "Attract, develop and retain a skilled city workforce"),
    ("G2.1", "G2", "Increase the supply of quality affordable housing and reduce homelessness"),
    ("G2.2", "G2", "Improve health outcomes and reduce health disparities"),
    ("G2.3", "G2", "Keep neighborhoods clean, safe and well maintained"),
    ("G3.1", "G3", "Maintain streets, sidewalks and streetlights in good condition"),
    ("G3.2", "G3", "Deliver reliable water, sewer and stormwater service"),
    ("G3.3", "G3", "Keep city facilities and fleet safe and available"),
    ("G4.1", "G4", "Reduce violent crime and improve clearance rates"),
    ("G4.2", "G4", "Improve emergency response times"),
    ("G4.3", "G4", "Reduce traffic fatalities and serious injuries (Vision Zero)"),
    ("G5.1", "G5", "Grow convention, tourism and visitor activity"),
    ("G5.2", "G5", "Make development review fast and predictable"),
    ("G6.1", "G6", "Reduce greenhouse gas emissions from city operations"),
    ("G6.2", "G6", "Expand green infrastructure and the urban tree canopy"),
]

H, L = "Higher is better", "Lower is better"


@dataclass
class KPI:
    kpi_id: str
    name: str
    goal: str
    objective: str | None
    unit: str
    direction: str
    baseline: float
    trend: float  # % a year (sign as the measure moves, not as it improves)
    step: float  # target improvement, % a year in the better direction (0 = hold the baseline)
    minimum: float | None
    maximum: float | None
    weight: float
    department: str
    drivers: list[tuple[str, str | None, float, int, float | None]]  # dept, program, elasticity, lag, max effect %
    decimals: int = 1


PCT = (0.0, 100.0)

KPIS = [
    # Public Safety
    KPI("PS-01", "Average police response time to priority 1 calls", "G4", "G4.2", "minutes", L, 9.8, 1.0, 2.0, 0, None, 2.0,
        "Police", [("Police", "Patrol", -0.35, 0, 20.0), ("Police", "911 Communications", -0.10, 0, None)], 2),
    KPI("PS-02", "Homicide clearance rate", "G4", "G4.1", "%", H, 52.0, 0.5, 4.0, *PCT, 1.5,
        "Police", [("Police", "Investigations", 0.40, 1, 25.0), ("Police", "Crime Lab", 0.10, 1, None)]),
    KPI("PS-03", "Violent crimes per 1,000 residents", "G4", "G4.1", "per 1,000 residents", L, 15.6, -1.0, 3.0, 0, None, 1.5,
        "Police", [("Police", "Community Policing", -0.15, 1, 15.0), ("Police", "Patrol", -0.10, 1, None),
                   ("Health", "Violence Prevention", -0.12, 2, 10.0)]),
    KPI("PS-04", "Percent of 911 calls answered within 15 seconds", "G4", "G4.2", "%", H, 84.0, 0.5, 1.5, *PCT, 1.0,
        "Police", [("Police", "911 Communications", 0.50, 0, 12.0)]),
    KPI("PS-05", "Traffic fatalities", "G4", "G4.3", "deaths", L, 88, 0.0, 5.0, 0, None, 1.5,
        "Police", [("Police", "Traffic Enforcement", -0.20, 1, 15.0), ("Public Works", "Traffic Operations", -0.15, 1, None)], 0),
    KPI("PS-06", "Crime lab cases completed within 30 days", "G4", None, "%", H, 64.0, 3.5, 3.0, *PCT, 1.0,
        "Police", [("Police", "Crime Lab", 0.60, 0, 30.0)]),
    KPI("PS-07", "Fire response time within 6 minutes", "G4", "G4.2", "%", H, 78.0, -0.3, 1.0, *PCT, 1.5,
        "Fire", [("Fire", "Fire Suppression", 0.30, 0, 10.0)]),
    KPI("PS-08", "EMS response within 9 minutes to life-threatening calls", "G4", "G4.2", "%", H, 88.0, 0.8, 0.5, *PCT, 1.0,
        "Fire", [("Fire", "Emergency Medical Services", 0.25, 0, None)]),
    KPI("PS-09", "Structure fires per 10,000 residents", "G4", None, "per 10,000 residents", L, 9.1, -1.5, 0.8, 0, None, 1.0,
        "Fire", [("Fire", "Fire Prevention", -0.20, 1, 15.0)], 2),
    KPI("PS-10", "Cardiac arrest survival to hospital discharge", "G4", None, "%", H, 11.5, 0.5, 2.0, *PCT, 1.0,
        "Fire", [("Fire", "Emergency Medical Services", 0.30, 0, 20.0), ("Fire", "Fire Training Academy", 0.05, 1, None)]),
    KPI("PS-11", "Municipal court cases resolved within 90 days", "G4", None, "%", H, 71.0, 0.5, 1.5, *PCT, 1.0,
        "Municipal Court", [("Municipal Court", "Court Operations", 0.35, 0, 15.0), ("Law", "Prosecution", 0.15, 0, None)]),
    # Infrastructure and Accessibility
    KPI("IA-01", "Percent of streets in good or better condition", "G3", "G3.1", "%", H, 54.0, -1.5, 2.0, *PCT, 2.0,
        "Public Works", [("Public Works", "Street Resurfacing", 0.45, 1, 25.0), ("Public Works", "Street Maintenance", 0.15, 0, None)]),
    KPI("IA-02", "Potholes repaired within 3 business days", "G3", "G3.1", "%", H, 80.0, 0.8, 0.5, *PCT, 1.0,
        "Public Works", [("Public Works", "Street Maintenance", 0.30, 0, 12.0)]),
    KPI("IA-03", "Water main breaks per 100 miles", "G3", "G3.2", "breaks per 100 miles", L, 32.0, 1.0, 3.0, 0, None, 1.5,
        "Water Services", [("Water Services", "Distribution Maintenance", -0.30, 1, 20.0),
                           ("Water Services", "Engineering and Capital Delivery", -0.20, 2, None)]),
    KPI("IA-04", "Sanitary sewer overflows", "G3", "G3.2", "overflows a year", L, 145, -3.5, 3.0, 0, None, 1.0,
        "Water Services", [("Water Services", "Wastewater Treatment", -0.25, 1, 20.0)], 0),
    KPI("IA-05", "Streetlight outages repaired within 7 days", "G3", "G3.1", "%", H, 74.0, 2.5, 2.0, *PCT, 1.0,
        "Public Works", [("Public Works", "Streetlights", 0.40, 0, 20.0)]),
    KPI("IA-06", "Miles of sidewalk repaired or built", "G3", "G3.1", "miles", H, 38.0, 0.0, 5.0, 0, None, 1.0,
        "Public Works", [("Public Works", "Capital Projects", 0.80, 1, 40.0)]),
    KPI("IA-07", "Fleet availability rate", "G3", "G3.3", "%", H, 87.0, 0.8, 0.5, *PCT, 0.5,
        "General Services", [("General Services", "Fleet Management", 0.30, 0, None)]),
    KPI("IA-08", "City facilities in fair or better condition", "G3", "G3.3", "%", H, 61.0, -1.0, 1.0, *PCT, 1.0,
        "General Services", [("General Services", "Facilities Maintenance", 0.40, 1, 20.0)]),
    KPI("IA-09", "Days to issue a residential building permit", "G3", None, "days", L, 24.0, 2.0, 5.0, 0, None, 1.0,
        "City Planning", [("City Planning", "Permits and Inspections", -0.50, 0, 30.0)]),
    KPI("IA-10", "Airport passenger satisfaction score", "G3", None, "score (1-5)", H, 4.2, 0.3, 0.2, 1, 5, 0.5,
        "Aviation", [("Aviation", "Terminal Services", 0.08, 0, None), ("Aviation", None, 0.02, 0, None)], 2),
    KPI("IA-11", "Drinking water samples meeting all standards", "G3", "G3.2", "%", H, 99.6, 0.1, 0.0, *PCT, 1.0,
        "Water Services", [("Water Services", "Water Treatment", 0.01, 0, None),
                           ("Water Services", "Laboratory and Compliance", 0.01, 0, None)], 2),
    # Housing and Healthy Communities
    KPI("HC-01", "Affordable housing units produced or preserved", "G2", "G2.1", "units", H, 850, 0.0, 8.0, 0, None, 2.0,
        "Housing and Community Development", [("Housing and Community Development", "Affordable Housing Development", 0.70, 1, 40.0)], 0),
    KPI("HC-02", "Unsheltered persons (point-in-time count)", "G2", "G2.1", "persons", L, 620, 3.0, 5.0, 0, None, 1.5,
        "Housing and Community Development", [("Housing and Community Development", "Homelessness Services", -0.40, 1, 25.0)], 0),
    KPI("HC-03", "Dangerous buildings demolished", "G2", "G2.3", "buildings", H, 280, 0.0, 3.0, 0, None, 1.0,
        "Neighborhoods and Housing", [("Neighborhoods and Housing", "Dangerous Buildings Demolition", 0.80, 0, 35.0)], 0),
    KPI("HC-04", "Code violation cases closed within 60 days", "G2", "G2.3", "%", H, 58.0, 2.5, 2.0, *PCT, 1.0,
        "Neighborhoods and Housing", [("Neighborhoods and Housing", "Code Enforcement", 0.40, 0, 20.0)]),
    KPI("HC-05", "Food establishment inspections completed on schedule", "G2", "G2.2", "%", H, 82.0, 2.0, 1.5, *PCT, 1.0,
        "Health", [("Health", "Environmental Health", 0.50, 0, 15.0)]),
    KPI("HC-06", "Infant mortality rate", "G2", "G2.2", "deaths per 1,000 live births", L, 7.4, -1.0, 2.0, 0, None, 1.5,
        "Health", [("Health", "Maternal and Child Health", -0.15, 2, 10.0)]),
    KPI("HC-07", "Animal shelter live release rate", "G2", None, "%", H, 88.0, 0.6, 0.3, *PCT, 0.5,
        "Health", [("Health", "Animal Health and Public Safety", 0.15, 0, None)]),
    KPI("HC-08", "Park acres per 1,000 residents", "G2", None, "acres per 1,000 residents", H, 23.5, 0.4, 0.3, 0, None, 0.5,
        "Parks and Recreation", [("Parks and Recreation", "Park Planning and Capital", 0.20, 2, None)]),
    KPI("HC-09", "Recreation program participants", "G2", None, "participants", H, 410000, 2.5, 2.0, 0, None, 1.0,
        "Parks and Recreation", [("Parks and Recreation", "Recreation Programs", 0.60, 0, 25.0),
                                 ("Parks and Recreation", "Community Centers", 0.30, 0, None)], 0),
    KPI("HC-10", "Trees planted", "G6", "G6.2", "trees", H, 3200, 0.0, 10.0, 0, None, 1.0,
        "Parks and Recreation", [("Parks and Recreation", "Forestry", 0.90, 0, 50.0)], 0),
    KPI("HC-11", "Homes repaired through the minor home repair program", "G2", "G2.1", "homes", H, 420, 0.0, 5.0, 0, None, 1.0,
        "Housing and Community Development", [("Housing and Community Development", "Home Repair Programs", 0.90, 0, None)], 0),
    KPI("HC-12", "Residents served by violence prevention programs", "G2", "G2.2", "residents", H, 5200, 2.0, 1.0, 0, None, 1.0,
        "Health", [("Health", "Violence Prevention", 0.70, 0, 40.0)], 0),
    # Finance and Governance
    KPI("FG-01", "311 customer satisfaction", "G1", "G1.1", "%", H, 71.0, 0.0, 1.5, *PCT, 1.5,
        "Neighborhoods and Housing", [("Neighborhoods and Housing", "311 Action Center", 0.30, 0, 15.0)]),
    KPI("FG-02", "Invoices paid within 30 days", "G1", "G1.2", "%", H, 83.0, 0.8, 0.5, *PCT, 1.0,
        "Finance", [("Finance", "Accounting", 0.30, 0, None)]),
    KPI("FG-03", "Days to fill a vacant position", "G1", "G1.3", "days", L, 92.0, 0.0, 5.0, 0, None, 1.0,
        "Human Resources", [("Human Resources", "Recruitment and Classification", -0.40, 0, 25.0)], 0),
    KPI("FG-04", "Employee turnover rate", "G1", "G1.3", "%", L, 13.5, -1.0, 0.5, *PCT, 1.0,
        "Human Resources", [("Human Resources", "Training and Development", -0.10, 1, None), ("Human Resources", None, -0.05, 1, None)]),
    KPI("FG-05", "IT service desk tickets resolved within service level", "G1", "G1.1", "%", H, 81.0, 2.0, 1.5, *PCT, 1.0,
        "Information Technology", [("Information Technology", "Service Desk", 0.40, 0, 15.0)]),
    KPI("FG-06", "Public records requests fulfilled within 3 business days", "G1", "G1.1", "%", H, 76.0, 1.0, 0.5, *PCT, 0.5,
        "Municipal Clerk", [("Municipal Clerk", "Public Records Requests", 0.50, 0, 20.0)]),
    KPI("FG-07", "Residents satisfied with overall city services", "G1", "G1.1", "%", H, 42.0, 0.0, 2.0, *PCT, 1.5,
        "City Manager", [("City Manager", "Office of Performance Management", 0.05, 1, None),
                         ("Public Works", "Street Maintenance", 0.05, 1, None)]),
    # Economic Development
    KPI("ED-01", "Convention center occupancy", "G5", "G5.1", "%", H, 58.0, 1.5, 1.0, *PCT, 1.0,
        "Convention and Entertainment", [("Convention and Entertainment", "Convention Center Operations", 0.20, 0, None),
                                         ("Convention and Entertainment", "Event Services", 0.10, 0, None)]),
    KPI("ED-02", "Convention hotel room nights booked", "G5", "G5.1", "room nights", H, 310000, 3.5, 3.0, 0, None, 1.0,
        "Convention and Entertainment", [("Convention and Entertainment", "Event Services", 0.30, 1, 20.0)], 0),
    KPI("ED-03", "Days to complete commercial plan review", "G5", "G5.2", "days", L, 28.0, 0.0, 4.0, 0, None, 1.0,
        "City Planning", [("City Planning", "Development Management", -0.40, 0, 25.0)]),
    # Climate Protection and Resiliency
    KPI("CR-01", "Greenhouse gas emissions from city operations", "G6", "G6.1", "thousand metric tons CO2e", L, 142.0, -1.5, 6.0, 0, None, 1.5,
        "General Services", [("General Services", "Energy Management", -0.30, 1, 20.0), ("General Services", "Fleet Management", -0.05, 0, None)]),
    KPI("CR-02", "Residential recycling diversion rate", "G6", None, "%", H, 21.0, 0.5, 2.0, *PCT, 1.0,
        "Public Works", [("Public Works", "Solid Waste and Recycling", 0.35, 0, 20.0)]),
    KPI("CR-03", "Green infrastructure acres managed", "G6", "G6.2", "acres", H, 180.0, 6.0, 5.0, 0, None, 1.0,
        "Water Services", [("Water Services", "Stormwater", 0.60, 1, 30.0)]),
    KPI("CR-04", "Share of city fleet that is electric or hybrid", "G6", "G6.1", "%", H, 9.0, 5.0, 15.0, *PCT, 1.0,
        "General Services", [("General Services", "Fleet Management", 0.50, 1, 40.0)]),
]

# ---------------------------------------------------------------- requests (decision packages)
#: dept, program, fund, title, type, class, recurring, cost FY2027 ($), profile, FTE, justification, KPI ID
#: profile: "ongoing" (grows 3% a year), "onetime" (y1 only), "capital2" (y1 and y2), "phased" (half in y1, then full)
REQUESTS = [
    ("Police", "Patrol", GF, "Add 10 patrol officers to the East Patrol Division", "Enhancement", "Personnel Services", "Y",
     1_080_000, "ongoing", 10,
     "East Patrol has the longest priority 1 response times in the city. Ten officers restore minimum staffing on every shift.", "PS-01"),
    ("Police", "Investigations", PSST, "Expand the homicide unit by four detectives", "Enhancement", "Personnel Services", "Y",
     520_000, "ongoing", 4,
     "Caseloads per detective are twice the national benchmark. Four detectives bring caseloads in line and raise clearance rates.", "PS-02"),
    ("Police", "Crime Lab", PSST, "Crime lab DNA backlog reduction", "Enhancement", "Contractual Services", "Y",
     640_000, "ongoing", 0,
     "Outsourcing overflow DNA analysis clears the backlog of more than 900 cases within two years.", "PS-06"),
    ("Police", "911 Communications", GF, "Hire 12 additional 911 call takers", "Enhancement", "Personnel Services", "Y",
     790_000, "ongoing", 12,
     "Call volume rose 9% in two years; answer times fall short of the 90% within 15 seconds standard.", "PS-04"),
    ("Police", "Community Policing", GF, "Community violence intervention partnership", "New program", "Contractual Services", "Y",
     1_500_000, "phased", 0,
     "Contract with community-based violence interrupters in the three highest-crime patrol sectors.", "PS-03"),
    ("Police", "Police Administration", GF, "Consolidate police administrative support", "Reduction", "Personnel Services", "Y",
     420_000, "ongoing", 6,
     "Merging divisional clerical units eliminates six vacant support positions without affecting patrol staffing.", "PS-01"),
    ("Fire", "Fire Suppression", PSST, "Replace aging fire apparatus", "Capital", "Capital Outlay", "N",
     4_800_000, "capital2", 0,
     "Six pumpers are past their 15-year service life; breakdowns take companies out of service and slow response.", "PS-07"),
    ("Fire", "Emergency Medical Services", GF, "Add two peak-demand ambulances", "Enhancement", "Personnel Services", "Y",
     1_650_000, "ongoing", 14,
     "Two 12-hour peak units cut ambulance wait times during the busiest hours of the day.", "PS-08"),
    ("Fire", "Fire Prevention", GF, "Community risk reduction and smoke alarm program", "New program", "Commodities", "Y",
     180_000, "ongoing", 1,
     "Free smoke alarm installation in the census tracts with the highest rate of residential fire deaths.", "PS-09"),
    ("Fire", "Emergency Medical Services", GF, "High-performance CPR training for all crews", "Enhancement", "Contractual Services", "N",
     260_000, "onetime", 0,
     "One-time training and mechanical CPR devices; proven to raise cardiac arrest survival.", "PS-10"),
    ("Public Works", "Street Resurfacing", CIP, "Street resurfacing acceleration", "Capital", "Capital Outlay", "N",
     12_000_000, "capital2", 0,
     "Resurface an additional 120 lane-miles over two years to stop the decline in pavement condition.", "IA-01"),
    ("Public Works", "Street Maintenance", GF, "Second pothole repair crew", "Enhancement", "Personnel Services", "Y",
     610_000, "ongoing", 7,
     "A second crew and truck restore the 3-day pothole repair standard during spring freeze-thaw season.", "IA-02"),
    ("Public Works", "Streetlights", "Streetlight Fund", "LED streetlight conversion, phase 3", "Capital", "Capital Outlay", "N",
     3_200_000, "capital2", 0,
     "Convert the remaining 14,000 high-pressure sodium fixtures to LED, cutting outages and energy use.", "IA-05"),
    ("Public Works", "Capital Projects", CIP, "Sidewalk repair program expansion", "Enhancement", "Capital Outlay", "Y",
     2_500_000, "ongoing", 0,
     "Triples the sidewalk program to address ADA complaints and the 311 backlog of sidewalk requests.", "IA-06"),
    ("Public Works", "Solid Waste and Recycling", GF, "Reduce bulky item pickup frequency", "Reduction", "Contractual Services", "Y",
     350_000, "ongoing", 0,
     "Moves bulky item collection from monthly to quarterly on-call service; saves contract costs.", "CR-02"),
    ("Water Services", "Distribution Maintenance", "Water Fund", "Expanded lead service line replacement", "Capital", "Capital Outlay", "Y",
     9_500_000, "ongoing", 0,
     "Replaces 2,000 lead service lines a year to meet the federal Lead and Copper Rule Improvements deadline.", "IA-03"),
    ("Water Services", "Distribution Maintenance", "Water Fund", "Water main replacement crew", "Enhancement", "Personnel Services", "Y",
     880_000, "ongoing", 9,
     "An in-house crew replaces the oldest cast-iron mains that account for most breaks.", "IA-03"),
    ("Water Services", "Stormwater", "Stormwater Fund", "Green infrastructure for the Blue River watershed", "Capital", "Capital Outlay", "N",
     4_000_000, "capital2", 0,
     "Rain gardens and bioswales to reduce flooding and combined sewer overflows in the Blue River basin.", "CR-03"),
    ("Water Services", "Wastewater Treatment", "Sewer Fund", "Overflow control plan acceleration", "Capital", "Capital Outlay", "Y",
     6_000_000, "ongoing", 0,
     "Keeps the city on schedule under the federal consent decree for sewer overflows.", "IA-04"),
    ("Parks and Recreation", "Forestry", GF, "Urban tree canopy planting initiative", "Enhancement", "Contractual Services", "Y",
     450_000, "ongoing", 0,
     "Plants 3,000 additional street trees a year in neighborhoods with the lowest canopy cover.", "HC-10"),
    ("Parks and Recreation", "Community Centers", GF, "Extend community center summer hours", "Enhancement", "Personnel Services", "Y",
     380_000, "ongoing", 6,
     "Evening and weekend hours at eight community centers for youth during the summer months.", "HC-09"),
    ("Health", "Violence Prevention", "Health Levy Fund", "Hospital-based violence intervention program", "New program", "Contractual Services", "Y",
     900_000, "ongoing", 0,
     "Bedside intervention for gunshot victims reduces retaliation and re-injury.", "HC-12"),
    ("Health", "Environmental Health", "Health Levy Fund", "Add three food safety inspectors", "Enhancement", "Personnel Services", "Y",
     240_000, "ongoing", 3,
     "Restores the inspection schedule for high-risk food establishments.", "HC-05"),
    ("Health", "Maternal and Child Health", GF, "Nurse home visiting expansion", "Enhancement", "Personnel Services", "Y",
     520_000, "ongoing", 5,
     "Five nurses serve 250 more first-time mothers in zip codes with the highest infant mortality.", "HC-06"),
    ("Neighborhoods and Housing", "Dangerous Buildings Demolition", GF, "Dangerous buildings demolition backlog", "Enhancement", "Contractual Services", "N",
     2_000_000, "capital2", 0,
     "Clears 300 of the 900 buildings on the dangerous buildings list over two years.", "HC-03"),
    ("Neighborhoods and Housing", "311 Action Center", GF, "311 call center staffing", "Enhancement", "Personnel Services", "Y",
     300_000, "ongoing", 5,
     "Five agents bring average hold times under two minutes.", "FG-01"),
    ("Housing and Community Development", "Affordable Housing Development", CIP, "Housing Trust Fund contribution", "Enhancement", "Contractual Services", "Y",
     5_000_000, "ongoing", 0,
     "Gap financing for about 400 affordable units a year through the Central City Housing Trust Fund.", "HC-01"),
    ("Housing and Community Development", "Homelessness Services", GF, "Year-round low-barrier shelter beds", "New program", "Contractual Services", "Y",
     2_400_000, "ongoing", 0,
     "Funds 150 year-round shelter beds with case management to move people into permanent housing.", "HC-02"),
    ("General Services", "Fleet Management", GF, "Electric vehicle fleet transition", "Capital", "Capital Outlay", "Y",
     1_800_000, "ongoing", 0,
     "Replaces 40 light-duty vehicles a year with electric models and installs charging at city garages.", "CR-04"),
    ("General Services", "Energy Management", GF, "Building energy retrofits", "Capital", "Capital Outlay", "N",
     2_200_000, "capital2", 0,
     "Lighting, HVAC and controls retrofits at City Hall and 12 other facilities; pays back in under eight years.", "CR-01"),
    ("General Services", "Facilities Maintenance", GF, "Defer non-critical facility repairs", "Reduction", "Contractual Services", "Y",
     500_000, "ongoing", 0,
     "Defers cosmetic repairs at administrative buildings; life-safety repairs continue.", "IA-08"),
    ("City Planning", "Permits and Inspections", GF, "Online permitting and plan review system", "Capital", "Contractual Services", "N",
     1_200_000, "capital2", 0,
     "Replaces the 20-year-old permitting system so applicants can apply, pay and track permits online.", "IA-09"),
    ("Human Resources", "Recruitment and Classification", GF, "Recruitment modernization", "Enhancement", "Contractual Services", "Y",
     280_000, "ongoing", 1,
     "Applicant tracking software and a dedicated recruiter for hard-to-fill trades positions.", "FG-03"),
    ("Information Technology", "Service Desk", GF, "Reduce service desk contractor hours", "Reduction", "Contractual Services", "Y",
     200_000, "ongoing", 0,
     "Self-service password reset lets the city cut after-hours contractor coverage.", "FG-05"),
    ("Aviation", "Terminal Services", "Aviation Fund", "Terminal wayfinding and accessibility upgrades", "Capital", "Capital Outlay", "N",
     1_600_000, "onetime", 0,
     "New signage, hearing loops and accessible restrooms in the new terminal's concourses.", "IA-10"),
    ("Convention and Entertainment", "Event Services", "Convention and Tourism Fund", "Convention sales and marketing push", "Enhancement", "Contractual Services", "Y",
     750_000, "ongoing", 0,
     "Joint marketing with Visit KC to book more citywide conventions in shoulder seasons.", "ED-02"),
    ("Municipal Clerk", "Public Records Requests", GF, "Public records portal", "Enhancement", "Contractual Services", "Y",
     90_000, "ongoing", 0,
     "A searchable portal answers common records requests without staff time.", "FG-06"),
]

#: Positions whose title fits only one program (else the department's list is used round-robin)
PROGRAM_TITLES = {
    "Patrol": ["Police Officer", "Sergeant", "Captain"],
    "Investigations": ["Detective", "Sergeant", "Crime Analyst"],
    "Crime Lab": ["Forensic Scientist", "Administrative Assistant"],
    "911 Communications": ["911 Call Taker", "Police Dispatcher", "Sergeant"],
    "Traffic Enforcement": ["Police Officer", "Sergeant"],
    "Community Policing": ["Police Officer", "Sergeant", "Crime Analyst"],
    "Fire Suppression": ["Firefighter", "Fire Captain", "Battalion Chief"],
    "Emergency Medical Services": ["Paramedic", "Fire Captain"],
    "Fire Prevention": ["Fire Inspector", "Fire Captain"],
    "Emergency Management": ["Emergency Management Planner", "Administrative Assistant"],
    "Water Treatment": ["Water Plant Operator", "Chemist", "Utility Supervisor"],
    "Distribution Maintenance": ["Utility Maintenance Worker", "Utility Supervisor"],
    "Wastewater Treatment": ["Wastewater Plant Operator", "Utility Supervisor"],
    "Customer Service": ["Customer Service Representative", "Utility Supervisor"],
    "Engineering and Capital Delivery": ["Civil Engineer", "Utility Supervisor"],
    "Laboratory and Compliance": ["Chemist"],
    "Street Maintenance": ["Maintenance Worker", "Equipment Operator", "Supervisor"],
    "Snow and Ice Control": ["Equipment Operator", "Supervisor"],
    "Traffic Operations": ["Traffic Signal Technician", "Civil Engineer"],
    "Streetlights": ["Electrician", "Supervisor"],
    "Capital Projects": ["Civil Engineer", "Project Manager"],
    "311 Action Center": ["311 Call Center Agent", "Program Manager"],
    "Code Enforcement": ["Code Inspector", "Program Manager"],
    "Parks Maintenance": ["Park Maintenance Worker", "Community Center Manager"],
    "Recreation Programs": ["Recreation Coordinator", "Community Center Manager"],
    "Community Centers": ["Community Center Manager", "Recreation Coordinator"],
    "Forestry": ["Arborist", "Park Maintenance Worker"],
    "Boulevards and Fountains": ["Park Maintenance Worker", "Landscape Architect"],
    "Park Planning and Capital": ["Landscape Architect"],
    "Communicable Disease Prevention": ["Public Health Nurse", "Epidemiologist"],
    "Environmental Health": ["Environmental Health Specialist", "Health Program Manager"],
    "Animal Health and Public Safety": ["Animal Control Officer", "Health Program Manager"],
    "Maternal and Child Health": ["Public Health Nurse", "Community Health Worker"],
    "Violence Prevention": ["Community Health Worker", "Health Program Manager"],
    "Facilities Maintenance": ["Building Maintenance Technician", "Security Officer"],
    "Fleet Management": ["Fleet Mechanic"],
    "Procurement Services": ["Buyer"],
    "Energy Management": ["Energy Manager", "Building Maintenance Technician"],
    "Security Services": ["Security Officer"],
    "Airport Operations": ["Airport Operations Officer", "Airport Engineer"],
    "Airfield Maintenance": ["Airfield Maintenance Worker"],
    "Terminal Services": ["Terminal Services Agent", "Airport Operations Officer"],
    "Airport Police and Security": ["Airport Police Officer"],
    "Parking and Ground Transportation": ["Terminal Services Agent", "Airport Operations Officer"],
    "Court Operations": ["Court Clerk", "Municipal Judge"],
    "Probation": ["Probation Officer"],
    "Court Security": ["Court Security Officer"],
    "Prosecution": ["Prosecutor", "Paralegal"],
    "Litigation": ["Assistant City Attorney", "Paralegal", "Legal Secretary"],
    "Permits and Inspections": ["Building Inspector", "Plans Examiner"],
    "Development Management": ["Planner", "Plans Examiner", "Planning Manager"],
    "Accounting": ["Accountant"],
    "Revenue Collection": ["Revenue Agent", "Accountant"],
    "Budget and Performance": ["Budget Analyst"],
    "Service Desk": ["Help Desk Technician"],
    "Cybersecurity": ["Security Analyst"],
    "Infrastructure and Network": ["Network Engineer", "Database Administrator"],
}
