package cell

import (
	"bytes"
	"math/big"
	"strings"
	"testing"
)

func TestFormatRat(t *testing.T) {
	tests := []struct {
		num, den int64
		places   int
		want     string
	}{
		{1, 2, 0, "1"},           // half away from zero
		{-1, 2, 0, "-1"},         // also for negatives
		{1, 3, 1, "0.3"},         //
		{2, 3, 1, "0.7"},         //
		{1, 20, 1, "0.1"},        // 0.05 -> 0.1
		{1, 200, 2, "0.01"},      // 0.005 -> 0.01
		{1, 2000, 3, "0.001"},    // 0.0005 -> 0.001
		{-1, 2000, 3, "-0.001"},  //
		{1, 3000, 3, "0.000"},    // no minus zero either way
		{-1, 3000, 3, "0.000"},   //
		{12345, 100, 1, "123.5"}, // 123.45 exactly
		{66, 100, 3, "0.660"},    //
		{7, 1, 1, "7.0"},         //
		{100, 1, 1, "100.0"},     //
		{1000001, 1000000, 3, "1.000"},
	}
	for _, tt := range tests {
		if got := FormatRat(big.NewRat(tt.num, tt.den), tt.places); got != tt.want {
			t.Errorf("FormatRat(%d/%d, %d) = %s, want %s", tt.num, tt.den, tt.places, got, tt.want)
		}
	}
}

func TestValue(t *testing.T) {
	sum, _ := new(big.Rat).SetString("1.3215") // mean of 2: 0.66075 -> 0.661
	tests := []struct {
		c    Cell
		want string
	}{
		{Cell{Kind: Count, Fig: &Figures{Numerator: 19}}, "19"},
		{Cell{Kind: Count, Fig: &Figures{}}, "0"},
		{Cell{Kind: Percentage, Fig: &Figures{Numerator: 2, Denominator: 3}}, "66.7"},
		{Cell{Kind: Percentage, Fig: &Figures{Numerator: 1, Denominator: 8}}, "12.5"},  // 12.5 exactly
		{Cell{Kind: Percentage, Fig: &Figures{Numerator: 1, Denominator: 16}}, "6.3"},  // 6.25 -> 6.3
		{Cell{Kind: Percentage, Fig: &Figures{Numerator: 0, Denominator: 0}}, ""},      // no denominator
		{Cell{Kind: Percentage, Fig: &Figures{Numerator: 5, Denominator: 5}}, "100.0"}, //
		{Cell{Kind: Mean, Fig: &Figures{Denominator: 2, Sum: sum}}, "0.661"},           //
		{Cell{Kind: Mean, Fig: &Figures{Denominator: 0, Sum: new(big.Rat)}}, ""},       //
		{Cell{Kind: Count, Flag: Suppressed}, ""},                                      // suppressed
	}
	for _, tt := range tests {
		if got := tt.c.Value(); got != tt.want {
			t.Errorf("%+v: Value() = %q, want %q", tt.c, got, tt.want)
		}
	}
}

func TestCSVRoundTripAndFormulaSafety(t *testing.T) {
	tab := &Table{Period: "2025Q3", Cells: []Cell{
		{Indicator: "RET_CUMULATIVE", Kind: Count, Country: "UZ", Dimension: "region", Category: "=HYPERLINK(\"x\")", Fig: &Figures{Numerator: 3}},
		{Indicator: "RET_CUMULATIVE", Kind: Count, Country: "UZ", Dimension: "region", Category: "Tashkent, city", Fig: &Figures{Numerator: 5}},
		{Indicator: "RET_CUMULATIVE", Kind: Count, Country: "UZ", Dimension: "region", Category: "-2", Flag: Secondary},
		{Indicator: "RET_CHILD_SHARE", Kind: Percentage, Country: "ALL", Dimension: "total", Category: "total", Fig: &Figures{Numerator: 1, Denominator: 3}},
	}}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, tab); err != nil {
		t.Fatal(err)
	}
	want := "indicator_id,period,country,dimension,category,numerator,denominator,value,flag\n" +
		"RET_CUMULATIVE,2025Q3,UZ,region,\"'=HYPERLINK(\"\"x\"\")\",3,,3,\n" +
		"RET_CUMULATIVE,2025Q3,UZ,region,\"Tashkent, city\",5,,5,\n" +
		"RET_CUMULATIVE,2025Q3,UZ,region,'-2,,,,secondary\n" +
		"RET_CHILD_SHARE,2025Q3,ALL,total,total,1,3,33.3,\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	back, err := ReadCSV(strings.NewReader(buf.String()), map[string]Kind{"RET_CUMULATIVE": Count, "RET_CHILD_SHARE": Percentage})
	if err != nil {
		t.Fatal(err)
	}
	if back.Cells[0].Category != "=HYPERLINK(\"x\")" || back.Cells[2].Fig != nil || back.Cells[3].Fig.Denominator != 3 {
		t.Errorf("read back: %+v", back.Cells)
	}
}
