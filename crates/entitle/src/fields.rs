//! The fields a rule can read about a person: the registry's columns and what is derived from them.

use crate::expr::{TextKind, Ty};

/// Status flags (身份标识) of the registry's `flags` column: `(name, 中文)`. The position is the flag's bit.
pub const FLAGS: [(&str, &str); 20] = [
    ("tekun", "特困人员"),
    ("dibao", "低保对象"),
    ("low_income", "低收入/低保边缘"),
    ("orphan", "孤儿"),
    ("de_facto_orphan", "事实无人抚养儿童"),
    ("hiv_affected", "艾滋病病毒感染/受影响儿童"),
    ("veteran", "退役军人"),
    ("entitled_group", "优抚对象"),
    ("unemployed", "登记失业人员"),
    ("pregnant", "孕产妇"),
    ("planning_pregnancy", "计划怀孕"),
    ("only_child_parent", "独生子女父母"),
    ("only_child_lost", "独生子女死亡家庭"),
    ("only_child_disabled", "独生子女伤残家庭"),
    ("housing_difficulty", "住房困难"),
    ("rental_applicant", "已申请公租房"),
    ("student", "在校学生"),
    ("rural_compulsory_pupil", "农村义务教育学生"),
    ("living_alone", "独居"),
    ("disaster_affected", "受灾人员"),
];

/// The bit of a flag by name.
pub fn flag_bit(name: &str) -> Option<u32> {
    FLAGS
        .iter()
        .position(|(n, _)| *n == name)
        .map(|i| 1u32 << i)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    M = 0,
    F = 1,
}

impl Sex {
    /// `M`/`F`, `男`/`女`, and GB/T 2261.1's `1`/`2`.
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim() {
            "M" | "m" | "男" | "1" | "male" => Some(Sex::M),
            "F" | "f" | "女" | "2" | "female" => Some(Sex::F),
            _ => None,
        }
    }

    pub fn label(code: u32) -> &'static str {
        if code == 0 { "M" } else { "F" }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HukouType {
    Urban = 0,
    Rural = 1,
}

impl HukouType {
    /// `urban`/`rural`, `城镇`/`农村` (also `非农业`/`农业`).
    pub fn parse(s: &str) -> Option<HukouType> {
        match s.trim() {
            "urban" | "城镇" | "非农业" | "城市" => Some(HukouType::Urban),
            "rural" | "农村" | "农业" => Some(HukouType::Rural),
            _ => None,
        }
    }

    pub fn label(code: u32) -> &'static str {
        if code == 0 { "urban" } else { "rural" }
    }
}

/// A field of a person (a column or derived from columns at the evaluation date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Age,
    AgeMonths,
    BirthDate,
    Sex,
    HukouType,
    HukouRegion,
    ResidenceRegion,
    ResidenceSince,
    YearsResident,
    Resident,
    LocalHukou,
    DisabilityCategory,
    DisabilityGrade,
    Disabled,
    SeverelyDisabled,
    Income,
    /// A status flag by its index in [`FLAGS`].
    Flag(u8),
}

impl Field {
    /// The names of the non-flag fields, as rules write them.
    pub const NAMES: [&'static str; 16] = [
        "age",
        "age_months",
        "birth_date",
        "sex",
        "hukou_type",
        "hukou_region",
        "residence_region",
        "residence_since",
        "years_resident",
        "resident",
        "local_hukou",
        "disability_category",
        "disability_grade",
        "disabled",
        "severely_disabled",
        "income",
    ];

    pub fn parse(name: &str) -> Option<Field> {
        Some(match name {
            "age" => Field::Age,
            "age_months" => Field::AgeMonths,
            "birth_date" => Field::BirthDate,
            "sex" => Field::Sex,
            "hukou_type" => Field::HukouType,
            "hukou_region" => Field::HukouRegion,
            "residence_region" => Field::ResidenceRegion,
            "residence_since" => Field::ResidenceSince,
            "years_resident" => Field::YearsResident,
            "resident" => Field::Resident,
            "local_hukou" => Field::LocalHukou,
            "disability_category" => Field::DisabilityCategory,
            "disability_grade" => Field::DisabilityGrade,
            "disabled" => Field::Disabled,
            "severely_disabled" => Field::SeverelyDisabled,
            "income" => Field::Income,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Field::Age => "age",
            Field::AgeMonths => "age_months",
            Field::BirthDate => "birth_date",
            Field::Sex => "sex",
            Field::HukouType => "hukou_type",
            Field::HukouRegion => "hukou_region",
            Field::ResidenceRegion => "residence_region",
            Field::ResidenceSince => "residence_since",
            Field::YearsResident => "years_resident",
            Field::Resident => "resident",
            Field::LocalHukou => "local_hukou",
            Field::DisabilityCategory => "disability_category",
            Field::DisabilityGrade => "disability_grade",
            Field::Disabled => "disabled",
            Field::SeverelyDisabled => "severely_disabled",
            Field::Income => "income",
            Field::Flag(i) => FLAGS.get(usize::from(i)).map_or("flag", |f| f.0),
        }
    }

    pub fn ty(self) -> Ty {
        match self {
            Field::Age
            | Field::AgeMonths
            | Field::YearsResident
            | Field::DisabilityCategory
            | Field::DisabilityGrade
            | Field::Income => Ty::Num,
            Field::BirthDate | Field::ResidenceSince => Ty::Date,
            Field::Sex => Ty::Text(TextKind::Sex),
            Field::HukouType => Ty::Text(TextKind::HukouType),
            Field::HukouRegion | Field::ResidenceRegion => Ty::Text(TextKind::Region),
            Field::Resident
            | Field::LocalHukou
            | Field::Disabled
            | Field::SeverelyDisabled
            | Field::Flag(_) => Ty::Bool,
        }
    }
}
