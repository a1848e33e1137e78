// Package export describes the anonymised case exports of data-contract.md:
// the four tables, their columns and value rules, and the code lists. It
// imports no driver: the loader (internal/duckdb) turns this description
// into validation SQL.
package export

// Code lists, in the order defined by data-contract.md and indicators.md.
var (
	Sexes          = []string{"F", "M"}
	AgeGroups      = []string{"0-4", "5-11", "12-17", "18-59", "60+"}
	ServiceTypes   = []string{"medical", "psychosocial", "education", "vocational", "employment", "housing", "documentation", "legal", "family_reunification", "financial"}
	ProviderTypes  = []string{"government", "ngo", "community", "international"}
	ServiceStatus  = []string{"delivered", "referred", "declined"}
	HouseholdRoles = []string{"head", "spouse", "child", "other"}
	LegalStatuses  = []string{"none", "investigation", "prosecuted", "convicted", "released"}
	CaseStatuses   = []string{"open", "closed"}
	ClosureReasons = []string{"reintegrated", "transferred", "relocated", "deceased", "lost_contact", "other"}
)

// UnknownRegion is the category of a missing region in reports.
const UnknownRegion = "unknown"

// AgeGroup returns the age group of an age in whole years.
func AgeGroup(age int) string {
	switch {
	case age < 5:
		return "0-4"
	case age < 12:
		return "5-11"
	case age < 18:
		return "12-17"
	case age < 60:
		return "18-59"
	}
	return "60+"
}
