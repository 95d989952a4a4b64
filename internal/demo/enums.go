package demo

import gi "github.com/gridinspect/gridinspect"

// The domain keeps the detail enums of a report as the API's numbers (see
// gridinspect.SafetyHazardDetails). They are named here for the tables'
// sake; a test checks each against the generated API enum, which this
// package does not import because proto types stop at server/.
const (
	hazardFire       = 1 // HAZARD_KIND_FIRE
	hazardGas        = 2 // HAZARD_KIND_GAS
	hazardElectrical = 3 // HAZARD_KIND_ELECTRICAL
	hazardStructural = 4 // HAZARD_KIND_STRUCTURAL
	hazardChemical   = 5 // HAZARD_KIND_CHEMICAL

	placeEnterprise   = 1 // PLACE_KIND_ENTERPRISE
	placeCrowded      = 2 // PLACE_KIND_CROWDED_PLACE
	placeThreeInOne   = 3 // PLACE_KIND_THREE_IN_ONE
	placeElderlyAlone = 4 // PLACE_KIND_ELDERLY_ALONE
	placeOther        = 5 // PLACE_KIND_OTHER

	activitySandWashing   = 1 // POLLUTING_ACTIVITY_ILLEGAL_SAND_WASHING
	activityPlastic       = 2 // POLLUTING_ACTIVITY_PLASTIC_RECYCLING
	activitySmelting      = 3 // POLLUTING_ACTIVITY_METAL_SMELTING
	activityChemical      = 4 // POLLUTING_ACTIVITY_CHEMICAL
	activitySprayPainting = 5 // POLLUTING_ACTIVITY_SPRAY_PAINTING
	activityStone         = 6 // POLLUTING_ACTIVITY_STONE_PROCESSING
	activityScrap         = 8 // POLLUTING_ACTIVITY_SCRAP_RECYCLING

	disposalShutDown = 1 // PROPOSED_DISPOSAL_SHUT_DOWN
	disposalRelocate = 2 // PROPOSED_DISPOSAL_RELOCATE
	disposalUpgrade  = 3 // PROPOSED_DISPOSAL_UPGRADE

	constructionBuilding  = 1 // CONSTRUCTION_KIND_BUILDING
	constructionShed      = 2 // CONSTRUCTION_KIND_SHED
	constructionBillboard = 3 // CONSTRUCTION_KIND_BILLBOARD
	constructionStorage   = 4 // CONSTRUCTION_KIND_STORAGE

	landFarmland    = 1 // LAND_KIND_FARMLAND
	landResidential = 2 // LAND_KIND_RESIDENTIAL
	landRoadside    = 3 // LAND_KIND_ROADSIDE

	waterSewage       = 1 // WATER_RISK_KIND_SEWAGE
	waterGarbage      = 2 // WATER_RISK_KIND_GARBAGE
	waterLivestock    = 3 // WATER_RISK_KIND_LIVESTOCK
	waterConstruction = 4 // WATER_RISK_KIND_CONSTRUCTION
	waterOther        = 5 // WATER_RISK_KIND_OTHER

	houseGradeC = gi.HouseGradeC // HOUSE_GRADE_C
	houseGradeD = gi.HouseGradeD // HOUSE_GRADE_D
)
