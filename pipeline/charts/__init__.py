"""Pure Plotly figure builders, theme, China map and PNG/CSV/XLSX rendering, shared by the dashboard and the Word report (no Streamlit here)."""
