package export

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIsDirectIdentifier(t *testing.T) {
	for _, name := range []string{
		"name", "Name", " NAME ", "first_name", "First Name", "last-name", "middle_name", "Full Name", "full-name",
		"surname", "Patronymic", "birth_date", "Birth Date", "date_of_birth", "Date-Of-Birth", "dob", "DOB",
		"passport", "passport_no", "Passport Number", "phone", "phone-number", "Mobile Phone", "telephone",
		"mobile", "home_address", "Address", "email", "contact_email", "pinfl", "PINFL", "iin", "client_iin",
		"national id", "national_id", "National-ID", "national_id_number",
	} {
		if !IsDirectIdentifier(name) {
			t.Errorf("%q is not taken for a direct identifier", name)
		}
	}
	// Only the contract's names and words count: "e-mail" is two words
	// (e, mail), "addresses" is not "address".
	for _, name := range []string{
		"person_id", "household_id", "region", "region_name", "nationality", "national", "id", "identified_date",
		"username", "nickname", "e-mail", "addresses", "phones", "birth_year", "mobility", "iin2", "passports",
	} {
		if IsDirectIdentifier(name) {
			t.Errorf("%q is taken for a direct identifier", name)
		}
	}
}

func TestMatchHeader(t *testing.T) {
	needs := TableByName(Needs)
	for _, tt := range []struct {
		name     string
		header   []string
		drop     []string
		index    map[string]int
		warnings []string
		err      string
	}{
		{name: "any case, spaces, any order",
			header: []string{" Identified_Date ", "NEED_TYPE", "person_id"},
			index:  map[string]int{"identified_date": 0, "need_type": 1, "person_id": 2}},
		{name: "unknown and unnamed columns",
			header:   []string{"person_id", "notes", "", "need_type", "identified_date"},
			index:    map[string]int{"person_id": 0, "need_type": 3, "identified_date": 4},
			warnings: []string{`needs.csv: unknown column "notes" ignored`, "needs.csv: column 3 has no name and is ignored"}},
		{name: "duplicate names",
			header: []string{"person_id", "need_type", "identified_date", "Need_Type "},
			err:    `needs.csv: duplicate column names "Need_Type" (columns 2 and 4); each column may appear once`},
		{name: "missing required",
			header: []string{"person_id", "need"},
			err:    `needs.csv: required columns "need_type" and "identified_date" missing (the needs table needs person_id, need_type, identified_date)`},
		{name: "direct identifier",
			header: []string{"person_id", "need_type", "identified_date", "Full Name", "phone"},
			err:    `needs.csv: columns "Full Name" and "phone" look like a direct identifier`},
		{name: "direct identifier dropped",
			header:   []string{"person_id", "need_type", "identified_date", "Full Name"},
			drop:     []string{"full_name"},
			index:    map[string]int{"person_id": 0, "need_type": 1, "identified_date": 2},
			warnings: []string{`needs.csv: column "Full Name" dropped as asked (--drop-column)`}},
		{name: "a dropped required column is missing",
			header: []string{"person_id", "need_type", "identified_date"},
			drop:   []string{"Need Type"},
			err:    `required column "need_type" missing`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := MatchHeader(needs, "needs.csv", tt.header, tt.drop)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrRefused) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.index, m.Index); diff != "" {
				t.Errorf("index (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.warnings, m.Warnings); diff != "" {
				t.Errorf("warnings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidPersonID(t *testing.T) {
	for id, want := range map[string]bool{
		"UZ-0000001": true, "a_b-C9": true, strings.Repeat("x", 64): true,
		"": false, strings.Repeat("x", 65): false, "UZ 1": false, "UZ.1": false, "Ж1": false, "UZ-1\n": false,
	} {
		if got := ValidPersonID(id); got != want {
			t.Errorf("ValidPersonID(%q) = %v", id, got)
		}
	}
}
