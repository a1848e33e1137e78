package export

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Type is the value type of a column (data-contract.md, "Values").
type Type int

// Column types.
const (
	Text      Type = iota // free text, trimmed
	PersonID              // 1-64 chars of A-Za-z0-9_-
	Country               // assigned ISO 3166-1 alpha-2 code
	Region                // text, NFC-normalised, "unknown" = missing
	Sex                   // F/M and synonyms
	Integer               // digits, optionally with a zero fraction
	Date                  // YYYY-MM-DD or DD.MM.YYYY, midnight time allowed
	Decimal01             // decimal from 0 to 1, at most 6 places, decimal comma allowed
	Bool                  // true/false and synonyms
	Code                  // one of a code list, case-insensitive
)

// Column is one column of an export table.
type Column struct {
	Name     string
	Type     Type
	Required bool     // a value must be present (conditional requirements are rules of the loader)
	Codes    []string // the code list of a Code column
}

// Table is one table of an export.
type Table struct {
	Name     string
	Columns  []Column
	Required bool // the table must be present (returnees)
	// Key are the columns whose values no two rows may share (none: no
	// such rule): a later row with the same key is rejected, or, for
	// needs, merged. The loader checks keys with the person's internal key
	// in place of person_id, which is the same rule.
	Key []string
}

// Column returns the named column, or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// RequiredColumns are the columns an export file of the table must have.
func (t *Table) RequiredColumns() []string {
	var out []string
	for _, c := range t.Columns {
		if c.Required {
			out = append(out, c.Name)
		}
	}
	return out
}

// Schema is the four tables of data-contract.md, columns in contract order
// (the order in which a row's rules are checked).
var Schema = []*Table{
	{Name: Returnees, Required: true, Key: []string{"person_id"}, Columns: []Column{
		{Name: "person_id", Type: PersonID, Required: true},
		{Name: "household_id", Type: Text},
		{Name: "country", Type: Country, Required: true},
		{Name: "region", Type: Region},
		{Name: "sex", Type: Sex, Required: true},
		{Name: "birth_year", Type: Integer, Required: true},
		{Name: "return_date", Type: Date, Required: true},
		{Name: "return_from", Type: Country, Required: true},
		{Name: "household_role", Type: Code, Codes: HouseholdRoles},
		{Name: "unaccompanied_minor", Type: Bool},
		{Name: "legal_status", Type: Code, Codes: LegalStatuses},
		{Name: "case_status", Type: Code, Required: true, Codes: CaseStatuses},
		{Name: "case_closed_date", Type: Date},
		{Name: "closure_reason", Type: Code, Codes: ClosureReasons},
	}},
	{Name: Needs, Key: []string{"person_id", "need_type"}, Columns: []Column{
		{Name: "person_id", Type: PersonID, Required: true},
		{Name: "need_type", Type: Code, Required: true, Codes: ServiceTypes},
		{Name: "identified_date", Type: Date, Required: true},
	}},
	{Name: Services, Key: []string{"service_id"}, Columns: []Column{
		{Name: "service_id", Type: Text},
		{Name: "person_id", Type: PersonID, Required: true},
		{Name: "service_type", Type: Code, Required: true, Codes: ServiceTypes},
		{Name: "service_date", Type: Date, Required: true},
		{Name: "provider_type", Type: Code, Required: true, Codes: ProviderTypes},
		{Name: "status", Type: Code, Required: true, Codes: ServiceStatus},
	}},
	{Name: Followups, Key: []string{"person_id", "followup_date"}, Columns: []Column{
		{Name: "person_id", Type: PersonID, Required: true},
		{Name: "followup_date", Type: Date, Required: true},
		{Name: "economic_score", Type: Decimal01},
		{Name: "social_score", Type: Decimal01},
		{Name: "psychosocial_score", Type: Decimal01},
		{Name: "in_education", Type: Bool},
		{Name: "employed", Type: Bool},
		{Name: "has_civil_documents", Type: Bool},
	}},
}

// TableByName returns the schema of the named table, or nil.
func TableByName(name string) *Table {
	for _, t := range Schema {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Boolean and sex synonyms (data-contract.md), lower-case. Apostrophes in
// Uzbek "yo'q" are normalised to ' before matching.
var (
	TrueWords   = []string{"true", "yes", "1", "y", "да", "ha"}
	FalseWords  = []string{"false", "no", "0", "n", "нет", "yo'q"}
	FemaleWords = []string{"f", "female", "ж", "жен", "ayol"}
	MaleWords   = []string{"m", "male", "м", "муж", "erkak"}
	// Apostrophes are the characters accepted for ' in yo'q.
	Apostrophes = []string{"’", "ʻ", "‘", "ʼ"}
)

// NormalizeColumnName is how column names are compared for the
// direct-identifier rule: lower-cased, spaces and hyphens turned into '_'.
func NormalizeColumnName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

var identifierNames = []string{"name", "first_name", "last_name", "middle_name", "full_name", "surname", "patronymic", "birth_date", "date_of_birth", "dob"}
var identifierWords = []string{"passport", "phone", "telephone", "mobile", "address", "email", "pinfl", "iin"}

// IsDirectIdentifier reports whether a column name denotes a direct
// identifier that must never enter the store (data-contract.md, "Bad input").
func IsDirectIdentifier(column string) bool {
	n := NormalizeColumnName(column)
	if slices.Contains(identifierNames, n) {
		return true
	}
	words := strings.Split(n, "_")
	for i, w := range words {
		if slices.Contains(identifierWords, w) {
			return true
		}
		if w == "national" && i+1 < len(words) && words[i+1] == "id" {
			return true
		}
	}
	return false
}

var rePersonID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// ValidPersonID reports whether s is a well-formed pseudonym.
func ValidPersonID(s string) bool { return rePersonID.MatchString(s) }

// Reasons are the rule texts of rejects, one per rule, so that rejects can
// be counted by reason. Each names the rule, not the value (the value is
// reported beside it).
const (
	ReasonMissing         = "required value is missing"
	ReasonPersonID        = "must be 1-64 characters of A-Z, a-z, 0-9, _ or -"
	ReasonCountry         = "must be an assigned ISO 3166-1 alpha-2 country code"
	ReasonSex             = "must be F or M (also female/male, ж/м, жен/муж, ayol/erkak)"
	ReasonInteger         = "must be a whole number"
	ReasonBirthYear       = "must be from 1900 to the year of return_date"
	ReasonDate            = "must be a date YYYY-MM-DD or DD.MM.YYYY (a time part only if midnight)"
	ReasonFuture          = "date is after the day of loading"
	ReasonBeforeReturn    = "date is before the person's return_date"
	ReasonDecimal         = "must be a decimal number (0.5 or 0,5) with at most 6 decimal places"
	ReasonRange01         = "must be from 0 to 1"
	ReasonBool            = "must be true/false (also yes/no, 1/0, y/n, да/нет, ha/yo'q)"
	ReasonClosedDate      = "required when case_status is closed"
	ReasonOpenDate        = "must be empty when case_status is open"
	ReasonClosedBefore    = "case_closed_date is before return_date"
	ReasonClosureReason   = "required when case_status is closed"
	ReasonOpenReason      = "must be empty when case_status is open"
	ReasonUnknownPerson   = "person_id is not in returnees"
	ReasonRejectedPerson  = "the person's returnees row was rejected"
	ReasonDuplicatePerson = "duplicate person_id: the first row with it is loaded"
	ReasonDuplicateSvc    = "duplicate service_id: the first row with it is loaded"
	ReasonDuplicateFup    = "duplicate follow-up (same person_id and followup_date): the first row is loaded"
	ReasonMalformed       = "malformed CSV record"
)

// ReasonCode returns the reject reason for a code column.
func ReasonCode(c *Column) string {
	return fmt.Sprintf("must be one of %s", strings.Join(c.Codes, ", "))
}
