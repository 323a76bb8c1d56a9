package forms

import (
	"sort"
	"strings"
)

// The options of a Control that ozgform reads. Every other option is reported by check
// (layout-option), with what ozgform does instead where JSON Forms knows the option.
var knownOptions = map[string]bool{
	"format": true, "multi": true, "readonly": true, "readOnly": true, "autocomplete": true,
	"detail": true, "addLabel": true, "removeLabel": true, "itemLabel": true,
	"suggestion": true, "toggle": true, "slider": true, "restrict": true, "trim": true,
	"hideRequiredAsterisk": true, "orientation": true, "dateInput": true,
	"elementLabelProp": true, "labelRef": true,
}

// ignoredOptions are JSON Forms options ozgform deliberately does not follow, with the
// reason a form author reads.
var ignoredOptions = map[string]string{
	"showSortButtons":          "Einträge umsortieren geht ohne JavaScript nur umständlich; die Reihenfolge ist die der Eingabe. Entfernen und neu hinzufügen verschiebt einen Eintrag ans Ende.",
	"showUnfocusedDescription": "Hinweise stehen immer unter der Beschriftung, damit sie auch ohne Fokus und für Screenreader da sind.",
	"focus":                    "Der Fokus folgt der Seite: nach einem Fehler die Fehlerzusammenfassung.",
	"dateFormat":               "Datumsfelder nehmen TT.MM.JJJJ an und speichern JJJJ-MM-TT (siehe „Datum und Uhrzeit“).",
	"dateSaveFormat":           "Datumsfelder speichern immer JJJJ-MM-TT, wie das Format „date“ verlangt.",
	"timeFormat":               "Zeitfelder nehmen HH:MM an und speichern HH:MM:SS.",
	"timeSaveFormat":           "Zeitfelder speichern immer HH:MM:SS.",
	"dateTimeFormat":           "Felder mit Datum und Uhrzeit nehmen TT.MM.JJJJ HH:MM an.",
	"dateTimeSaveFormat":       "Felder mit Datum und Uhrzeit speichern RFC 3339 mit Zeitzone, wie das Format „date-time“ verlangt.",
	"ampm":                     "Uhrzeiten stehen in Deutschland im 24-Stunden-Format.",
	"views":                    "Ein Datum besteht immer aus Tag, Monat und Jahr.",
	"clearLabel":               "Es gibt keinen Datumswähler mit eigenen Schaltflächen.",
	"cancelLabel":              "Es gibt keinen Datumswähler mit eigenen Schaltflächen.",
	"okLabel":                  "Es gibt keinen Datumswähler mit eigenen Schaltflächen.",
	"step":                     "Zahlen werden als Text mit deutschem Dezimalkomma eingegeben; „multipleOf“ im Schema prüft Schritte.",
	"showNavButtons":           "Jede Seite hat „Weiter“ und „Zurück“.",
	"variant":                  "Kategorien sind immer Schritte nacheinander.",
}

// checkOptions reports the options of a Control that ozgform does not follow, and options
// with values it does not know.
func (b *modelBuilder) checkOptions(el *Element, f *Field) {
	keys := make([]string, 0, len(el.Options))
	for k := range el.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "x-") {
			continue // an extension of another tool (e.g. the FIM importer's x-fim-rules)
		}
		at := el.Pointer + "/options/" + escapePointer(k)
		if why, ok := ignoredOptions[k]; ok {
			b.sink.warnf("layout.json", at, "layout-option", "Die Option „%s“ von JSON Forms wird ignoriert: %s", k, why)
			continue
		}
		if !knownOptions[k] {
			b.sink.warnf("layout.json", at, "layout-option", "Die Option „%s“ kennt ozgform nicht; sie wird ignoriert (bekannt: %s).", k, strings.Join(sortedOptionNames(), ", "))
			continue
		}
		v := el.Options[k]
		switch k {
		case "format":
			s, _ := v.(string)
			switch s {
			case "radio", "select", "suggestion", "date", "time", "date-time", "password":
			default:
				b.sink.warnf("layout.json", at, "layout-option", "„format“: „%v“ kennt ozgform nicht; erlaubt sind radio, select, suggestion, date, time, date-time und password.", v)
			}
		case "dateInput":
			s, _ := v.(string)
			if s != "text" && s != "parts" && s != "picker" {
				b.sink.warnf("layout.json", at, "layout-option", "„dateInput“: erlaubt sind „text“ (ein Feld mit TT.MM.JJJJ), „parts“ (Tag, Monat, Jahr) und „picker“ (der Datumswähler des Browsers), nicht „%v“.", v)
			} else if f.Widget != WidgetDate {
				b.sink.warnf("layout.json", at, "layout-option", "„dateInput“ gilt nur für Datumsfelder (format „date“).")
			}
		case "toggle":
			if f.Widget != WidgetCheckbox && v == true {
				b.sink.warnf("layout.json", at, "layout-option", "„toggle“ gilt nur für ein einzelnes Ja/Nein-Kästchen (\"type\": \"boolean\").")
			}
		case "slider":
			if v == true && (f.Widget != WidgetNumber || f.Minimum == nil || f.Maximum == nil) {
				b.sink.warnf("layout.json", at, "layout-option", "„slider“ braucht ein Zahlenfeld mit „minimum“ und „maximum“; ozgform zeigt ein Zahlenfeld mit diesem Bereich.")
			}
		case "restrict", "trim":
			if v == true && f.MaxLength == nil {
				b.sink.warnf("layout.json", at, "layout-option", "„%s“ richtet sich nach „maxLength“ im Schema, das hier fehlt.", k)
			}
		case "elementLabelProp", "labelRef":
			s, _ := v.(string)
			name := s[strings.LastIndexByte(s, '/')+1:]
			items := deref(ItemsOf(f.Schema))
			if f.Widget != WidgetRepeat || f.ScalarItems || name == "" || items == nil || property(items, name) == nil {
				b.sink.warnf("layout.json", at, "layout-option", "„%s“ nennt eine Eigenschaft der Einträge einer wiederholbaren Gruppe (z. B. „name“); „%v“ passt hier nicht und wird ignoriert.", k, v)
			}
		case "orientation":
			if s, _ := v.(string); s != "horizontal" && s != "vertical" {
				b.sink.warnf("layout.json", at, "layout-option", "„orientation“ ist „horizontal“ oder „vertical“, nicht „%v“.", v)
			}
		}
	}
}

func sortedOptionNames() []string {
	names := make([]string, 0, len(knownOptions))
	for k := range knownOptions {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// OptionString returns a text option of a field, or "".
func (f *Field) OptionString(key string) string {
	s, _ := f.Options[key].(string)
	return s
}

// OptionBool returns a boolean option of a field.
func (f *Field) OptionBool(key string) bool { return optBool(f.Options, key) }
