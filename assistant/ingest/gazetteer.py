"""English local authorities with children's services responsibilities, and common aliases."""

AUTHORITIES: tuple[str, ...] = (
    # London
    "Barking and Dagenham", "Barnet", "Bexley", "Brent", "Bromley", "Camden", "City of London", "Croydon",
    "Ealing", "Enfield", "Greenwich", "Hackney", "Hammersmith and Fulham", "Haringey", "Harrow", "Havering",
    "Hillingdon", "Hounslow", "Islington", "Kensington and Chelsea", "Kingston upon Thames", "Lambeth",
    "Lewisham", "Merton", "Newham", "Redbridge", "Richmond upon Thames", "Southwark", "Sutton",
    "Tower Hamlets", "Waltham Forest", "Wandsworth", "Westminster",
    # Metropolitan boroughs
    "Bolton", "Bury", "Manchester", "Oldham", "Rochdale", "Salford", "Stockport", "Tameside", "Trafford",
    "Wigan", "Knowsley", "Liverpool", "Sefton", "St Helens", "Wirral", "Barnsley", "Doncaster", "Rotherham",
    "Sheffield", "Gateshead", "Newcastle upon Tyne", "North Tyneside", "South Tyneside", "Sunderland",
    "Birmingham", "Coventry", "Dudley", "Sandwell", "Solihull", "Walsall", "Wolverhampton", "Bradford",
    "Calderdale", "Kirklees", "Leeds", "Wakefield",
    # Counties
    "Cambridgeshire", "Derbyshire", "Devon", "East Sussex", "Essex", "Gloucestershire", "Hampshire",
    "Hertfordshire", "Kent", "Lancashire", "Leicestershire", "Lincolnshire", "Norfolk", "Nottinghamshire",
    "Oxfordshire", "Staffordshire", "Suffolk", "Surrey", "Warwickshire", "West Sussex", "Worcestershire",
    "Cumbria", "Northamptonshire",
    # Unitary authorities
    "Bath and North East Somerset", "Bedford", "Blackburn with Darwen", "Blackpool",
    "Bournemouth, Christchurch and Poole", "Bracknell Forest", "Brighton and Hove", "Bristol",
    "Buckinghamshire", "Central Bedfordshire", "Cheshire East", "Cheshire West and Chester", "Cornwall",
    "Cumberland", "Darlington", "Derby", "Dorset", "Durham", "East Riding of Yorkshire", "Halton",
    "Hartlepool", "Herefordshire", "Isle of Wight", "Isles of Scilly", "Kingston upon Hull", "Leicester",
    "Luton", "Medway", "Middlesbrough", "Milton Keynes", "North East Lincolnshire", "North Lincolnshire",
    "North Northamptonshire", "North Somerset", "North Yorkshire", "Northumberland", "Nottingham",
    "Peterborough", "Plymouth", "Portsmouth", "Reading", "Redcar and Cleveland", "Rutland", "Shropshire",
    "Slough", "Somerset", "South Gloucestershire", "Southampton", "Southend-on-Sea", "Stockton-on-Tees",
    "Stoke-on-Trent", "Swindon", "Telford and Wrekin", "Thurrock", "Torbay", "Warrington", "West Berkshire",
    "West Northamptonshire", "Westmorland and Furness", "Wiltshire", "Windsor and Maidenhead", "Wokingham",
    "York",
)

ALIASES: dict[str, str] = {
    "Royal Borough of Windsor and Maidenhead": "Windsor and Maidenhead",
    "RBWM": "Windsor and Maidenhead",
    "Hull": "Kingston upon Hull",
    "County Durham": "Durham",
    "BCP": "Bournemouth, Christchurch and Poole",
    "Southend": "Southend-on-Sea",
    "Telford": "Telford and Wrekin",
    "Newcastle": "Newcastle upon Tyne",
    "Kingston": "Kingston upon Thames",
    "Richmond": "Richmond upon Thames",
    "Stoke": "Stoke-on-Trent",
    "Stockton": "Stockton-on-Tees",
    "Windsor": "Windsor and Maidenhead",
    "Maidenhead": "Windsor and Maidenhead",
}
