//! Regions → units → departments, for the pickers on 注册 and 我的信息. Public: only
//! approved units and their department names are listed.

#[cfg(feature = "ssr")]
use crate::state::app_state;
use crate::{
    error::AppResult,
    shell::islands::{AutoSubmitSelect, SelectChoice},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use {
    super::{domain::department_options, server::directory as repo},
    crate::platform::server::respond,
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionOption {
    pub code: String,
    pub name: String,
    /// 1 province, 2 city.
    pub level: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitOption {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub regions: Vec<RegionOption>,
    /// Approved units of the chosen region, if one is chosen.
    pub units: Vec<UnitOption>,
    /// Departments of the chosen unit as (id, "上级 / 下级").
    pub departments: Vec<(i64, String)>,
    /// The chosen unit's name, if it is an approved unit.
    pub unit_name: Option<String>,
}

/// The lists for a region and unit choice, in one round trip.
#[server(prefix = "/api", endpoint = "directory")]
pub async fn load_directory(region: Option<String>, unit: Option<i64>) -> AppResult<Directory> {
    respond(async move {
        let state = app_state()?;
        let db = &state.db;
        let regions = state.public_cache.get_or_load("directory:regions".into(), repo::regions(db)).await?;
        let units = match region.as_deref().filter(|r| r.len() == 6) {
            Some(region) => repo::approved_units_in(db, region).await?,
            None => Vec::new(),
        };
        let (departments, unit_name) = match unit {
            Some(unit_id) => match repo::approved_unit_name(db, unit_id).await? {
                Some(name) => (department_options(&repo::department_tree(db, unit_id).await?), Some(name)),
                None => (Vec::new(), None),
            },
            None => (Vec::new(), None),
        };
        Ok(Directory { regions: Vec::clone(&regions), units, departments, unit_name })
    })
    .await
}

/// The region and unit chooser: a GET form (so it works without JavaScript) whose
/// selects submit it at once when JavaScript runs. `keep` lists query parameters to
/// carry along (for example the phone of a registration in progress).
#[component]
pub fn UnitPicker(directory: Directory, keep: Vec<(&'static str, String)>) -> impl IntoView {
    let query = use_query_map();
    let region = query.read_untracked().get("region").unwrap_or_default();
    let unit = query.read_untracked().get("unit").unwrap_or_default();
    let mut region_choices = vec![SelectChoice {
        value: String::new(),
        label: "请选择地区".to_owned(),
        selected: region.is_empty(),
    }];
    region_choices.extend(directory.regions.iter().map(|r| SelectChoice {
        value: r.code.clone(),
        label: if r.level == 1 { r.name.clone() } else { format!("　{}", r.name) },
        selected: r.code == region,
    }));
    let placeholder = if region.is_empty() {
        "请先选择地区"
    } else if directory.units.is_empty() {
        "该地区暂无已注册单位"
    } else {
        "请选择单位"
    };
    let mut unit_choices =
        vec![SelectChoice { value: String::new(), label: placeholder.to_owned(), selected: unit.is_empty() }];
    unit_choices.extend(directory.units.iter().map(|u| {
        let value = u.id.to_string();
        SelectChoice { selected: value == unit, value, label: u.name.clone() }
    }));
    let select = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base";
    view! {
        <form method="get" class="grid gap-3 sm:grid-cols-2" aria-label="选择所属单位">
            {keep.iter().map(|(k, v)| view! { <input type="hidden" name=*k value=v.clone() /> }).collect_view()}
            <div>
                <label for="region" class="block text-sm font-medium text-slate-700">"所在地区"</label>
                <AutoSubmitSelect
                    id="region".to_owned()
                    class=select.to_owned()
                    choices=region_choices
                    disabled=false
                    clears="unit".to_owned()
                />
            </div>
            <div>
                <label for="unit" class="block text-sm font-medium text-slate-700">"所属单位"</label>
                <AutoSubmitSelect
                    id="unit".to_owned()
                    class=select.to_owned()
                    choices=unit_choices
                    disabled=region.is_empty()
                    clears=String::new()
                />
            </div>
            <div class="sm:col-span-2">
                <button type="submit" class="rounded-md border border-slate-300 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50">
                    "确定所选地区和单位"
                </button>
            </div>
        </form>
    }
}
