//! Rules for the personal fields of 注册, 实名认证 and 我的信息. Shared by the browser
//! and the server.

/// 2 to 30 letters (any script), optionally with the middle dot of minority names.
pub fn check_real_name(name: &str) -> Result<(), &'static str> {
    let name = name.trim();
    let length = name.chars().count();
    if length == 0 {
        return Err("请输入真实姓名");
    }
    if !(2..=30).contains(&length) || !name.chars().all(|c| c.is_alphabetic() || matches!(c, '·' | '•' | ' '))
    {
        return Err("请输入身份证上的真实姓名");
    }
    Ok(())
}

/// A plausible address: one @, something on both sides, a dot in the domain.
pub fn check_email(email: &str) -> Result<(), &'static str> {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return Err("请输入正确的电子邮箱");
    };
    let valid = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.len() <= 254
        && !email.chars().any(char::is_whitespace);
    if valid { Ok(()) } else { Err("请输入正确的电子邮箱") }
}

/// Free text fields of the profile (民族, 籍贯, 毕业院校, 所学专业, 职称 …).
pub fn check_short_text(value: &str, max_chars: usize) -> Result<(), String> {
    if value.trim().chars().count() > max_chars {
        Err(format!("不能超过{max_chars}个字"))
    } else {
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn code(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "male" => Some(Self::Male),
            "female" => Some(Self::Female),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Male => "男",
            Self::Female => "女",
        }
    }

    /// A stored gender: empty while not set yet; any other unknown code is an error.
    pub fn from_stored(code: &str) -> Result<Option<Self>, crate::platform::codes::UnknownCode> {
        if code.is_empty() { Ok(None) } else { Self::try_from(code).map(Some) }
    }
}

crate::stored_code!(Gender);

/// The 56 ethnic groups, for the 民族 list.
pub const ETHNICITIES: [&str; 56] = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_real_name("张三").is_ok());
        assert!(check_real_name("阿依古丽·买买提").is_ok());
        assert!(check_real_name("张").is_err());
        assert!(check_real_name("张三1").is_err());
        assert_eq!(check_real_name(" "), Err("请输入真实姓名"));
    }

    #[test]
    fn emails() {
        assert!(check_email("zhang.san@example.cn").is_ok());
        assert!(check_email("zhangsan").is_err());
        assert!(check_email("a@b").is_err());
        assert!(check_email("a b@c.cn").is_err());
        assert!(check_email("a@@c.cn").is_err());
    }

    #[test]
    fn ethnic_groups_are_unique() {
        let mut all = ETHNICITIES.to_vec();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 56);
    }
}
